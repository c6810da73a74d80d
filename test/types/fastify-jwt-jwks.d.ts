/**
 * The bench's `fastify-jwt-jwks` typed without its module augmentation (tsconfig.test.json maps the
 * name here). That augmentation claims `fastify.authenticate`, the name `@scopeguard/fastify`'s
 * default decorations type; the two plugins never share an app (the second refuses to register),
 * but a type program that loads both would type one plugin's hook with the other's signature.
 */
import type { FastifyPluginCallback } from 'fastify'

declare const fastifyJwtJwks: FastifyPluginCallback<{ jwksUrl?: string; issuer?: string }>
export default fastifyJwtJwks
