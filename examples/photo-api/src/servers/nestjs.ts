/**
 * The photo API on NestJS 11 (platform-express) with `@scopeguard/nestjs`: the global guard
 * authenticates every route not marked `@Public()`, `@RequireScopes` guards each handler, and the
 * adapter's own exception filter answers OAuth errors (status, `WWW-Authenticate`, `Retry-After`).
 * This file adds a filter for photo errors only, so it never hides the adapter's.
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
  Header,
  HttpCode,
  Inject,
  Module,
  Param,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
  type ArgumentsHost,
  type DynamicModule,
  type ExceptionFilter,
} from '@nestjs/common'
import { APP_FILTER, NestFactory } from '@nestjs/core'
import type { Response } from 'express'
import { Auth, Public, RequireScopes, ScopeguardModule, type AuthInfo } from '@scopeguard/nestjs'
import { PhotoError } from '../domain/errors.js'
import type { PhotoMetadata, PhotoPage, PhotoService } from '../domain/photo-service.js'
import type { AppMetrics } from '../metrics.js'
import type { AppDeps, StartServer } from './app-deps.js'
import { readBody } from './read-body.js'

const PHOTOS = Symbol('PhotoService')
const METRICS = Symbol('AppMetrics')

/** Public routes; the RFC 9728 document is served by ScopeguardModule itself. */
@Controller()
class PublicController {
  constructor(@Inject(METRICS) private readonly metrics: AppMetrics) {}

  @Public()
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' }
  }

  /** `@Res()`: the exporter's handler writes the Node response itself. */
  @Public()
  @Get('metrics')
  scrape(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    this.metrics.handle(request, response)
  }
}

@Controller('photos')
class PhotosController {
  constructor(@Inject(PHOTOS) private readonly photos: PhotoService) {}

  @Get()
  @RequireScopes('photos.read')
  list(@Query('limit') limit: unknown, @Query('cursor') cursor: unknown): Promise<PhotoPage> {
    return this.photos.list({ limit, cursor })
  }

  /** Body parsing is off: the bytes are read here, after the guard has authenticated. */
  @Post()
  @RequireScopes('photos.write')
  @HttpCode(201)
  async create(
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: Response,
    @Auth() auth: AuthInfo | undefined,
  ): Promise<PhotoMetadata> {
    const photo = await this.photos.create(await readBody(req), req.headers['content-type'], {
      owner: auth?.subject,
      clientId: auth?.clientId,
    })
    res.location(`/photos/${photo.id}`)
    return photo
  }

  @Get(':id')
  @RequireScopes('photos.read')
  get(@Param('id') id: string): Promise<PhotoMetadata> {
    return this.photos.get(id)
  }

  @Get(':id/content')
  @RequireScopes('photos.read')
  @Header('X-Content-Type-Options', 'nosniff')
  async content(@Param('id') id: string): Promise<StreamableFile> {
    const { metadata, bytes } = await this.photos.content(id)
    return new StreamableFile(bytes, { type: metadata.contentType, length: bytes.length })
  }

  @Delete(':id')
  @RequireScopes('photos.write')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.photos.delete(id)
  }
}

/** Photo errors answer `{ error, message }` with their status, as on the other servers. */
@Catch(PhotoError)
class PhotoErrorFilter implements ExceptionFilter<PhotoError> {
  catch(error: PhotoError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(error.status).json(error.toJSON())
  }
}

@Module({})
class PhotoApiModule {
  static forRoot({ photos, verifier, metrics }: AppDeps): DynamicModule {
    return {
      module: PhotoApiModule,
      imports: [ScopeguardModule.forRoot({ verifier }, { globalGuard: true })],
      controllers: [PublicController, PhotosController],
      providers: [
        { provide: PHOTOS, useValue: photos },
        { provide: METRICS, useValue: metrics },
        { provide: APP_FILTER, useClass: PhotoErrorFilter },
      ],
    }
  }
}

/**
 * Serves the NestJS app (platform-express, body parsing off).
 *
 * @throws Error when the port is taken.
 * @example
 * ```ts
 * const server = await startNest(deps, { port: 3000, host: '127.0.0.1' })
 * ```
 */
export const startNest: StartServer = async (deps, { port, host, tls }) => {
  const app = await NestFactory.create(PhotoApiModule.forRoot(deps), {
    bodyParser: false,
    logger: false,
    httpsOptions: tls,
  })
  await app.listen(port, host)
  const server = app.getHttpServer() as Server
  return { port: (server.address() as AddressInfo).port, close: () => app.close() }
}
