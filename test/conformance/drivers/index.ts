import type { Driver } from '../app-spec.js'
import { express4Driver } from './express4.js'
import { express5Driver } from './express5.js'
import { fastifyConfigDriver, fastifyHooksDriver } from './fastify.js'
import { honoDriver } from './hono.js'
import { koa2Driver } from './koa2.js'
import { koa3Driver } from './koa3.js'
import { nestExpressDriver, nestFastifyDriver } from './nestjs.js'

/** Every adapter and supported major the conformance table runs against. */
export const drivers: Driver[] = [
  express5Driver,
  express4Driver,
  koa3Driver,
  koa2Driver,
  fastifyHooksDriver,
  fastifyConfigDriver,
  nestExpressDriver,
  nestFastifyDriver,
  honoDriver,
]
