// fission.html: an inviter's poster and progress (好友裂变). See FissionPage.vue.
import { createApp } from 'vue'
import '../style.css'
import FissionPage from './FissionPage.vue'

createApp(FissionPage).mount('#app')
