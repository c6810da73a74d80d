/**
 * Test kit for the Nest adapter: controllers covering every decorator, and a starter that serves a
 * module on either HTTP platform (port 0) with bootstrap errors thrown, not aborted.
 */
import 'reflect-metadata'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Injectable,
  Module,
  Post,
  Req,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type Type,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import {
  AUTH_MODE_KEY,
  Auth,
  OptionalAuth,
  Public,
  RequireAnyScope,
  RequireAuth,
  RequireScopes,
  ScopeguardGuard,
  ScopesByMethod,
  type AuthInfo,
} from '../src/index.js'
import { closeAfterTest } from '../../../test/support/loopback.js'
import { sameTick } from '../../../test/support/same-tick.js'

export type Platform = 'express' | 'fastify'

/** What a handler answers: who it saw. */
export const seen = (auth: AuthInfo | undefined) =>
  auth === undefined ? { auth: null } : { sub: auth.subject, scopes: [...auth.scopes] }

@Controller()
export class SiteController {
  @Public()
  @Get('health')
  health() {
    return { status: 'ok' }
  }

  @OptionalAuth()
  @Get('feed')
  feed(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }

  @Get('me')
  me(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }

  // The decorators refuse @Public() with scopes when the class is defined; raw metadata gets
  // through to the guard, which refuses the route at run time.
  @SetMetadata(AUTH_MODE_KEY, 'public')
  @RequireScopes('photos.read')
  @Get('conflict')
  conflict() {
    return { ran: true }
  }

  @Post('form')
  @HttpCode(200)
  @RequireScopes('photos.read')
  form(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }
}

/** Controller-level all-of, overridden per method. */
@RequireScopes('photos.read', 'photos.write')
@Controller('albums')
export class AlbumsController {
  @Get()
  list(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }

  @RequireAnyScope('photos.read', 'albums.read')
  @Get('any')
  any(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }

  @Public()
  @Get('cover')
  cover(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }
}

/** A public controller with one guarded method. */
@Public()
@Controller('pages')
export class PagesController {
  @Get()
  index(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }

  @RequireScopes('pages.edit')
  @Get('edit')
  edit(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }

  @RequireAuth()
  @Get('mine')
  mine(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }
}

/** A resource controller: scopes by HTTP method. */
@ScopesByMethod({ read: 'photos.read', write: 'photos.write' })
@Controller('photos')
export class PhotosController {
  @Get()
  list(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }

  @Post()
  @HttpCode(200)
  create(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }

  @Delete()
  remove(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }
}

/** Guarded per controller (no global guard needed). */
@UseGuards(ScopeguardGuard)
@Controller('guarded')
export class GuardedController {
  @RequireScopes('photos.read')
  @Get()
  get(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }
}

/** The guard before ScopeguardGuard: starts a same-tick watch on the request. */
@Injectable()
export class TickMarkGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    context.switchToHttp().getRequest<TickRequest>().same = sameTick()
    return true
  }
}

/** The guard after it: reads whether Nest went on without awaiting ScopeguardGuard's answer. */
@Injectable()
export class TickReadGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<TickRequest>()
    request.sameTick = request.same?.()
    return true
  }
}

interface TickRequest {
  same?: () => boolean
  sameTick?: boolean
}

/** ScopeguardGuard between two guards that watch for an await in between. */
@UseGuards(TickMarkGuard, ScopeguardGuard, TickReadGuard)
@Controller('tick')
export class TickController {
  @RequireScopes('photos.read')
  @Get()
  get(@Req() request: TickRequest) {
    return { sameTick: request.sameTick }
  }
}

/** Never guarded unless the guard is global. */
@Controller('open')
export class OpenController {
  @Get()
  get(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }
}

/** One handler, inherited by two controllers whose own decorators differ. */
class ShelfBase {
  @Get()
  list(@Auth() auth: AuthInfo | undefined) {
    return seen(auth)
  }
}

@Public()
@Controller('shelf/public')
export class PublicShelfController extends ShelfBase {}

@RequireScopes('shelf.read')
@Controller('shelf/private')
export class PrivateShelfController extends ShelfBase {}

export const allControllers: Type[] = [
  SiteController,
  AlbumsController,
  PagesController,
  PhotosController,
  GuardedController,
  OpenController,
  PublicShelfController,
  PrivateShelfController,
]

@Module({})
class TestAppModule {}

/**
 * A root module importing `scopeguard` (a `ScopeguardModule.forRoot...` result) and `controllers`.
 *
 * @example
 * ```ts
 * appModule(ScopeguardModule.forRoot(options, { globalGuard: true }), allControllers)
 * ```
 */
export function appModule(
  scopeguard: DynamicModule,
  controllers: Type[] = allControllers,
  imports: DynamicModule[] = [],
): DynamicModule {
  return { module: TestAppModule, imports: [scopeguard, ...imports], controllers }
}

export interface RunningNest {
  url: string
  close(): Promise<void>
}

/**
 * Serves `module` on `platform`, on 127.0.0.1 port 0.
 *
 * @throws whatever bootstrap throws (`abortOnError: false`).
 * @example
 * ```ts
 * const app = await startNest('fastify', appModule(ScopeguardModule.forRoot(options)))
 * ```
 */
export async function startNest(
  platform: Platform,
  module: DynamicModule,
  configure: (app: { useGlobalFilters(...filters: object[]): unknown }) => void = () => {},
): Promise<RunningNest> {
  const options = { logger: false as const, abortOnError: false }
  const app =
    platform === 'express'
      ? await NestFactory.create(module, options)
      : await NestFactory.create(module, new FastifyAdapter(), options)
  configure(app)
  await app.listen(0, '127.0.0.1')
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
}

/**
 * {@link startNest} for the length of the calling test: closed when the test finishes, passed or
 * failed (`close()` ends it sooner).
 *
 * @example
 * ```ts
 * const app = await startNestForTest('express', appModule(ScopeguardModule.forRoot(options)))
 * ```
 */
export async function startNestForTest(
  ...args: Parameters<typeof startNest>
): Promise<RunningNest> {
  const app = await startNest(...args)
  return { url: app.url, close: closeAfterTest(() => app.close()) }
}
