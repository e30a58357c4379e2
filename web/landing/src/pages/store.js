// store.html: the one printed code for all stores (门店活码). See StorePage.vue.
import { createApp } from 'vue'
import '../style.css'
import StorePage from './StorePage.vue'

createApp(StorePage).mount('#app')
