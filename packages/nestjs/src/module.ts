/**
 * `ScopeguardModule`: provides the app's one verifier (global), the guard, the exception filter,
 * and serves the RFC 9728 protected-resource metadata document when the verifier has one.
 *
 * @module
 */
import {
  Inject,
  Module,
  type DynamicModule,
  type ModuleMetadata,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common'
import { APP_FILTER, APP_GUARD, HttpAdapterHost } from '@nestjs/core'
import {
  ConfigurationError,
  isVerifier,
  toVerifier,
  type Verifier,
  type VerifierOptions,
} from '@scopeguard/core'
import { ScopeguardExceptionFilter } from './exception-filter.js'
import { ScopeguardGuard } from './guard.js'
import { SCOPEGUARD_EXTRAS, SCOPEGUARD_VERIFIER } from './tokens.js'

/** The verifier to share: an existing one (`{ verifier }` or the verifier itself), or options. */
export type ScopeguardModuleOptions = { verifier: Verifier } | Verifier | VerifierOptions

/** What the module registers besides the verifier. */
export interface ScopeguardModuleExtras {
  /**
   * Register {@link ScopeguardGuard} as a global guard (`APP_GUARD`): every route then needs a
   * valid token unless marked `@Public()` or `@OptionalAuth()`. Default `false` (apply it with
   * `@UseGuards(ScopeguardGuard)`). The module itself is always global, whatever this says.
   */
  globalGuard?: boolean
  /**
   * @deprecated Use `globalGuard`: the same switch under the name it had first, which read as if
   * it made the module global (the module always is). Giving both with different values is a
   * `ConfigurationError`.
   */
  global?: boolean
  /** Register {@link ScopeguardExceptionFilter} as a global filter (`APP_FILTER`). Default `true`. */
  exceptionFilter?: boolean
  /**
   * Serve the verifier's RFC 9728 document at its path (`GET`, public) when the verifier was created
   * with `resourceMetadata`. Default `true`.
   */
  metadataRoute?: boolean
}

/** `forRootAsync` options: a factory (with its imports and injected dependencies) and extras. */
export interface ScopeguardModuleAsyncOptions extends ScopeguardModuleExtras {
  imports?: ModuleMetadata['imports']
  inject?: NonNullable<Extract<Provider, { useFactory: unknown }>['inject']>
  useFactory: (...args: never[]) => ScopeguardModuleOptions | Promise<ScopeguardModuleOptions>
}

function resolveVerifier(options: ScopeguardModuleOptions): Verifier {
  if (isVerifier(options)) return options
  if ('verifier' in options && options.verifier !== undefined) return toVerifier(options.verifier)
  return toVerifier(options as VerifierOptions)
}

/** `globalGuard`, or its deprecated alias `global`. */
function wantsGlobalGuard({ globalGuard, global }: ScopeguardModuleExtras): boolean {
  if (globalGuard !== undefined && global !== undefined && globalGuard !== global) {
    throw new ConfigurationError(
      `ScopeguardModule: globalGuard is ${globalGuard} but its deprecated alias global is ${global}; give globalGuard only`,
    )
  }
  return (globalGuard ?? global) === true
}

function module(verifier: Provider, extras: ScopeguardModuleExtras, imports = {}): DynamicModule {
  const providers: Provider[] = [
    verifier,
    { provide: SCOPEGUARD_EXTRAS, useValue: extras },
    ScopeguardGuard,
  ]
  if (wantsGlobalGuard(extras)) providers.push({ provide: APP_GUARD, useClass: ScopeguardGuard })
  if (extras.exceptionFilter !== false) {
    providers.push({ provide: APP_FILTER, useClass: ScopeguardExceptionFilter })
  }
  return {
    module: ScopeguardModule,
    global: true,
    ...imports,
    providers,
    exports: [SCOPEGUARD_VERIFIER, ScopeguardGuard],
  }
}

/**
 * The Nest module. Import it once, in the root module; its verifier and guard are injectable
 * everywhere.
 *
 * @example
 * ```ts
 * @Module({ imports: [ScopeguardModule.forRoot({ verifier }, { globalGuard: true })] })
 * class AppModule {}
 * ```
 */
@Module({})
export class ScopeguardModule implements OnModuleInit {
  constructor(
    @Inject(SCOPEGUARD_VERIFIER) private readonly verifier: Verifier,
    @Inject(SCOPEGUARD_EXTRAS) private readonly extras: ScopeguardModuleExtras,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  /**
   * With a verifier, or options to build one at once.
   *
   * @throws `ConfigurationError` for invalid verifier options, or `globalGuard` and `global`
   * disagreeing.
   * @example
   * ```ts
   * ScopeguardModule.forRoot(cognito({ userPoolId, clientId, tokenUse: 'access' }), { globalGuard: true })
   * ```
   */
  static forRoot(
    options: ScopeguardModuleOptions,
    extras: ScopeguardModuleExtras = {},
  ): DynamicModule {
    return module({ provide: SCOPEGUARD_VERIFIER, useValue: resolveVerifier(options) }, extras)
  }

  /**
   * With options from a factory (a config service, secrets, ...), resolved during bootstrap.
   *
   * @throws `ConfigurationError` during bootstrap for invalid verifier options; at once for
   * `globalGuard` and `global` disagreeing.
   * @example
   * ```ts
   * ScopeguardModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ issuer: config.getOrThrow('ISSUER'), audience: 'photos' }),
   *   globalGuard: true,
   * })
   * ```
   */
  static forRootAsync(options: ScopeguardModuleAsyncOptions): DynamicModule {
    const { imports, inject = [], useFactory, ...extras } = options
    const factory = async (...args: never[]) => resolveVerifier(await useFactory(...args))
    return module(
      { provide: SCOPEGUARD_VERIFIER, useFactory: factory, inject },
      extras,
      imports === undefined ? {} : { imports },
    )
  }

  /** Registers the metadata route on the HTTP adapter (public: no guard runs on it). */
  onModuleInit(): void {
    const metadata = this.verifier.resourceMetadata
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined
    if (metadata === undefined || this.extras.metadataRoute === false || adapter === undefined) {
      return
    }
    adapter.get(metadata.path, (_request: unknown, response: unknown) => {
      adapter.reply(response, metadata.document, 200)
    })
  }
}
