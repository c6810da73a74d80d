import type { Driver } from '../app-spec.js'
import { express4Driver, express5Driver } from './express.js'
import { koa2Driver, koa3Driver } from './koa.js'

/** Every adapter and supported major the conformance table runs against. */
export const drivers: Driver[] = [express5Driver, express4Driver, koa3Driver, koa2Driver]
