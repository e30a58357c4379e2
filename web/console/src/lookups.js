// The corp's employees (and, when a page asks, the tag library and every channel code) read once when the page
// mounts, for its pickers and for names in its lists. Without them the page still works (ids instead of names):
// lookupError says in words why they could not be read.
import { computed, onMounted, ref } from 'vue'
import { api } from './api.js'
import { loadEmployees, loadTags } from './util.js'

// tags: also the tag library (tagGroups for TagPicker, tagNames: tag_id → name); codes: also the channel codes
// (any status, for 渠道 pickers and names); keep: which employees to keep (all by default).
export function useLookups({ tags = false, codes = false, keep = null } = {}) {
  const employees = ref([])
  const employeeMap = computed(() => new Map(employees.value.map((e) => [e.userid, e])))
  const tagGroups = ref([])
  const tagNames = ref(new Map())
  const codeList = ref([])
  const lookupError = ref(null)

  onMounted(async () => {
    try {
      const [staff, lib, list] = await Promise.all([
        loadEmployees(),
        tags ? loadTags() : null,
        codes ? api.get('/admin/channel-codes', { status: 'all' }) : null,
      ])
      employees.value = keep ? staff.filter(keep) : staff
      if (lib) {
        tagGroups.value = lib.groups
        tagNames.value = lib.names
      }
      if (list) codeList.value = list.items || []
    } catch (exc) {
      lookupError.value = exc
    }
  })
  return { employees, employeeMap, tagGroups, tagNames, codes: codeList, lookupError }
}
