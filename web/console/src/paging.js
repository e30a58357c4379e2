// One list paged on the admin API's cursor (next_cursor, "" after the last page): the pages the user has
// opened are remembered, so 上一页 goes back without the API knowing about "previous".
import { ref } from 'vue'

// fetchPage(cursor) → the API's answer ({items, next_cursor}).
export function useCursorPages(fetchPage) {
  const rows = ref([])
  const loading = ref(false)
  const error = ref(null)
  const cursors = ref(['']) // cursors[i] opens page i+1
  const pageIndex = ref(0)
  const nextCursor = ref('')

  async function load(index) {
    loading.value = true
    error.value = null
    try {
      const page = await fetchPage(cursors.value[index])
      rows.value = page.items || []
      nextCursor.value = page.next_cursor || ''
      pageIndex.value = index
      if (nextCursor.value) cursors.value[index + 1] = nextCursor.value
    } catch (exc) {
      error.value = exc
    } finally {
      loading.value = false
    }
  }

  // From the first page again (new filters: the remembered cursors belong to the old ones).
  function restart() {
    cursors.value = ['']
    return load(0)
  }

  return { rows, loading, error, pageIndex, nextCursor, load, restart }
}
