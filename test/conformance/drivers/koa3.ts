import Koa from 'koa'
import { koaDriver } from './koa-app.js'

/** Koa 3 (`koa`). */
export const koa3Driver = koaDriver('koa 3', Koa)
