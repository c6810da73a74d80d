/**
 * The conformance app on NestJS 11 (see ../app-spec.ts for the routes), on both HTTP platforms:
 * platform-express with the guard global (`APP_GUARD`, `/public` marked `@Public()`),
 * platform-fastify with the guard on the controller (`@UseGuards(ScopeguardGuard)`). Both bodies
 * are parsed by Nest's own parsers before guards run, so `/form` needs nothing more. Constructor
 * dependencies use explicit `@Inject()` tokens: Vitest does not emit decorator metadata.
 */
import 'reflect-metadata'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  All,
  Controller,
  Get,
  HttpCode,
  Inject,
  Module,
  Post,
  UseGuards,
  type DynamicModule,
  type Type,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import {
  Auth,
  OptionalAuth,
  Public,
  RequireAnyScope,
  RequireScopes,
  ScopeguardGuard,
  ScopeguardModule,
  ScopesByMethod,
  type AuthInfo,
  type Verifier,
} from '@scopeguard/nestjs'
import {
  createProbe,
  READ,
  RESOURCE_MAP,
  tlsServerOptions,
  WRITE,
  type Driver,
  type DriverTls,
  type HandlerAnswer,
  type HandlerProbe,
} from '../app-spec.js'

const PROBE = Symbol('probe')

@Controller()
class PublicController {
  constructor(@Inject(PROBE) private readonly probe: HandlerProbe) {}

  @Public()
  @Get('public')
  public(): HandlerAnswer {
    return this.probe.answer(undefined)
  }
}

@Controller()
class ProbeController {
  constructor(@Inject(PROBE) private readonly probe: HandlerProbe) {}

  @OptionalAuth()
  @Get('optional')
  optional(@Auth() auth: AuthInfo | undefined): HandlerAnswer {
    return this.probe.answer(auth)
  }

  @RequireScopes(READ)
  @Get('read')
  read(@Auth() auth: AuthInfo | undefined): HandlerAnswer {
    return this.probe.answer(auth)
  }

  @RequireScopes(READ, WRITE)
  @Get('all')
  all(@Auth() auth: AuthInfo | undefined): HandlerAnswer {
    return this.probe.answer(auth)
  }

  @RequireAnyScope(READ, WRITE)
  @Get('any')
  any(@Auth() auth: AuthInfo | undefined): HandlerAnswer {
    return this.probe.answer(auth)
  }

  @ScopesByMethod(RESOURCE_MAP)
  @All('resource')
  @HttpCode(200)
  resource(@Auth() auth: AuthInfo | undefined): HandlerAnswer {
    return this.probe.answer(auth)
  }

  @RequireScopes(READ)
  @Post('form')
  @HttpCode(200)
  form(@Auth() auth: AuthInfo | undefined): HandlerAnswer {
    return this.probe.answer(auth)
  }
}

/** The same controller, guarded at controller level (for the run without a global guard). */
@UseGuards(ScopeguardGuard)
@Controller()
class GuardedProbeController extends ProbeController {}

@Module({})
class ConformanceModule {}

type Platform = 'express' | 'fastify'

function nestDriver(name: string, platform: Platform, guard: 'global' | 'controller'): Driver {
  return {
    name,
    async start(verifier: Verifier, tls?: DriverTls) {
      const probe = createProbe()
      const controllers: Type[] = [
        PublicController,
        guard === 'global' ? ProbeController : GuardedProbeController,
      ]
      const module: DynamicModule = {
        module: ConformanceModule,
        imports: [ScopeguardModule.forRoot({ verifier }, { globalGuard: guard === 'global' })],
        controllers,
        providers: [{ provide: PROBE, useValue: probe }],
      }
      const options = { logger: false as const, abortOnError: false }
      const https = tls === undefined ? undefined : tlsServerOptions(tls)
      const app =
        platform === 'express'
          ? await NestFactory.create(module, { ...options, httpsOptions: https })
          : await NestFactory.create(
              module,
              new FastifyAdapter(https === undefined ? undefined : { https }),
              options,
            )
      await app.listen(0, '127.0.0.1')
      const { port } = (app.getHttpServer() as Server).address() as AddressInfo
      return {
        url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
        runs: () => probe.runs,
        lastAnswer: () => probe.last,
        close: () => app.close(),
      }
    },
  }
}

/** NestJS 11 on platform-express, guard registered globally. */
export const nestExpressDriver = nestDriver(
  'nestjs 11 (express, global guard)',
  'express',
  'global',
)
/** NestJS 11 on platform-fastify, guard on the controller. */
export const nestFastifyDriver = nestDriver(
  'nestjs 11 (fastify, controller guard)',
  'fastify',
  'controller',
)
