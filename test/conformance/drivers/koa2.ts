import Koa from 'koa2'
import { koaDriver } from './koa-app.js'

/** Koa 2 (`koa2`, an npm alias of koa@2). */
export const koa2Driver = koaDriver('koa 2', Koa)
