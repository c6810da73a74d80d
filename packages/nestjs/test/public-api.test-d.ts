import type { DynamicModule } from '@nestjs/common'
import { expectTypeOf } from 'vitest'
import {
  Auth,
  cognito,
  createVerifier,
  OptionalAuth,
  Public,
  RequireAnyScope,
  RequireScopes,
  ScopeguardModule,
  ScopesByMethod,
  SCOPEGUARD_VERIFIER,
  type AuthMode,
  type ScopeguardModuleOptions,
} from '../src/index.js'

// forRoot takes a verifier, { verifier }, or verifier options (cognito() included).
const verifier = createVerifier({ issuer: 'https://issuer.example', audience: 'api' })
expectTypeOf(ScopeguardModule.forRoot(verifier)).toEqualTypeOf<DynamicModule>()
expectTypeOf(
  ScopeguardModule.forRoot({ verifier }, { globalGuard: true }),
).toEqualTypeOf<DynamicModule>()
// The deprecated name of globalGuard still compiles.
ScopeguardModule.forRoot({ verifier }, { global: true })
ScopeguardModule.forRoot(cognito({ userPoolId: 'us-east-1_AbC123', clientId: 'app' }))
expectTypeOf<{ verifier: typeof verifier }>().toExtend<ScopeguardModuleOptions>()
// @ts-expect-error: an unknown extra is a typo, not an option
ScopeguardModule.forRoot(verifier, { globl: true })
ScopeguardModule.forRootAsync({
  inject: ['CONFIG'],
  useFactory: (config: { issuer: string }) => ({ issuer: config.issuer, audience: 'api' }),
})
// @ts-expect-error: the factory must return options or a verifier
ScopeguardModule.forRootAsync({ useFactory: () => 42 })

// Decorators fit classes and methods; @Auth() fits parameters.
expectTypeOf(RequireScopes('a')).toExtend<ClassDecorator & MethodDecorator>()
expectTypeOf(RequireAnyScope('a', 'b')).toExtend<ClassDecorator & MethodDecorator>()
expectTypeOf(ScopesByMethod({ read: 'a' }, 'any')).toExtend<ClassDecorator & MethodDecorator>()
expectTypeOf(Public()).toExtend<ClassDecorator & MethodDecorator>()
expectTypeOf(OptionalAuth()).toExtend<ClassDecorator & MethodDecorator>()
expectTypeOf(Auth()).toEqualTypeOf<ParameterDecorator>()
// @ts-expect-error: scopes are strings
RequireScopes(1)
expectTypeOf(SCOPEGUARD_VERIFIER).toExtend<symbol>()
expectTypeOf<AuthMode>().toEqualTypeOf<'required' | 'optional' | 'public'>()
