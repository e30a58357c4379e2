// Two ways the console pages a list. One list paged on the admin API's cursor (next_cursor, "" after the last page): the pages the user has
// opened are remembered, so 上一页 goes back without the API knowing about "previous".
import { computed, ref } from 'vue'

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

// The newest `limit` items of a list the API answers newest first ({items}: 同步, 继承任务, 群发); 加载更多
// (more) asks for `step` more, up to the API's largest limit. fetchNewest(limit) → the API's answer.
export function useNewest(fetchNewest, step = 20, most = 200) {
  const rows = ref([])
  const limit = ref(step)
  const loading = ref(true) // the first load starts as the page mounts
  const error = ref(null)
  const canMore = computed(() => rows.value.length >= limit.value && limit.value < most)

  async function load() {
    loading.value = true
    error.value = null
    try {
      rows.value = (await fetchNewest(limit.value)).items || []
    } catch (exc) {
      error.value = exc
    } finally {
      loading.value = false
    }
  }
  function grow() {
    limit.value = Math.min(most, limit.value + step)
  }
  function more() {
    grow()
    return load()
  }
  return { rows, limit, loading, error, canMore, load, grow, more }
}
