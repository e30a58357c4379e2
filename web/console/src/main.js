import { createApp } from 'vue'
import 'element-plus/dist/index.css'
import './style.css'
import App from './App.vue'
import { router } from './router.js'
import { loadConfig } from './config.js'

loadConfig()
createApp(App).use(router).mount('#app')
