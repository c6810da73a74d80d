/**
 * The photo API on NestJS 11 (platform-express) with `@scopeguard/nestjs`: the global guard
 * authenticates every route not marked `@Public()`, `@RequireScopes` guards each handler, and one
 * exception filter answers every error like the other servers do.
 *
 * @module
 */
import 'reflect-metadata'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  Catch,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Module,
  Param,
  Post,
  Query,
  Req,
  Res,
  type ArgumentsHost,
  type DynamicModule,
  type ExceptionFilter,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { Auth, Public, RequireScopes, ScopeguardModule, type AuthInfo } from '@scopeguard/nestjs'
import type { PhotoService } from '../domain/photo-service.js'
import type { AppDeps, StartServer } from './app-deps.js'
import { errorAnswer } from './error-answer.js'
import { readBody } from './read-body.js'

const PHOTOS = Symbol('PhotoService')

/** Public routes; the RFC 9728 document is served by ScopeguardModule itself. */
@Controller()
class PublicController {
  @Public()
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' }
  }
}

@Controller('photos')
class PhotosController {
  constructor(@Inject(PHOTOS) private readonly photos: PhotoService) {}

  @Get()
  @RequireScopes('photos.read')
  list(@Query('limit') limit: unknown, @Query('cursor') cursor: unknown): Promise<unknown> {
    return this.photos.list({ limit, cursor })
  }

  @Post()
  @RequireScopes('photos.write')
  @HttpCode(201)
  async create(
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
    @Auth() auth: AuthInfo | undefined,
  ): Promise<unknown> {
    const photo = await this.photos.create(await readBody(req), req.headers['content-type'], {
      owner: auth?.subject,
      clientId: auth?.clientId,
    })
    res.setHeader('Location', `/photos/${photo.id}`)
    return photo
  }

  @Get(':id')
  @RequireScopes('photos.read')
  get(@Param('id') id: string): Promise<unknown> {
    return this.photos.get(id)
  }

  @Get(':id/content')
  @RequireScopes('photos.read')
  async content(@Param('id') id: string, @Res() res: ServerResponse): Promise<void> {
    const { metadata, bytes } = await this.photos.content(id)
    res.writeHead(200, {
      'content-type': metadata.contentType,
      'content-length': bytes.length,
      'x-content-type-options': 'nosniff',
    })
    res.end(bytes)
  }

  @Delete(':id')
  @RequireScopes('photos.write')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.photos.delete(id)
  }
}

/** Answers every error like the other servers (OAuth errors keep their status and headers). */
@Catch()
class ErrorAnswerFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse>()
    const { status, headers, body } = errorAnswer(error)
    if (status === 500) console.error(error)
    const json = JSON.stringify(body)
    res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' })
    res.end(json)
  }
}

@Module({})
class PhotoApiModule {
  static forRoot({ photos, verifier }: AppDeps): DynamicModule {
    return {
      module: PhotoApiModule,
      imports: [ScopeguardModule.forRoot({ verifier }, { global: true })],
      controllers: [PublicController, PhotosController],
      providers: [{ provide: PHOTOS, useValue: photos }],
    }
  }
}

/**
 * Serves the NestJS app (platform-express, body parsing off: uploads are read raw by the handler
 * after the guard has authenticated).
 *
 * @throws Error when the port is taken.
 * @example
 * ```ts
 * const server = await startNest(deps, { port: 3000, host: '127.0.0.1' })
 * ```
 */
export const startNest: StartServer = async (deps, { port, host }) => {
  const app = await NestFactory.create(PhotoApiModule.forRoot(deps), {
    bodyParser: false,
    logger: false,
  })
  app.useGlobalFilters(new ErrorAnswerFilter())
  await app.listen(port, host)
  const server = app.getHttpServer() as Server
  return { port: (server.address() as AddressInfo).port, close: () => app.close() }
}
