/**
 * `scripts/check-repo-bounds.mjs` (run by `npm run lint`, so by `npm test`) fails the build when a
 * project file reads or points outside the repository root. Each test builds a small repository
 * in a fresh temporary folder and runs the script on it as the build does.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('../../scripts/check-repo-bounds.mjs', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
/** The sibling folder's name, built here so this file does not name it itself. */
const sibling = ['sha', 'red'].join('')

interface Outcome {
  code: number
  output: string
}

function check(root: string): Promise<Outcome> {
  return new Promise((done) => {
    execFile(process.execPath, [script, '--root', root], (error, stdout, stderr) => {
      done({
        code: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
        output: stdout + stderr,
      })
    })
  })
}

let parent: string | undefined
afterEach(async () => {
  if (parent) await rm(parent, { recursive: true, force: true })
  parent = undefined
})

/**
 * A repository at `<tmp>/repo` holding the given files (path relative to the root → text, where
 * `<parent>` stands for the temporary folder that holds the repository).
 */
async function repository(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'scopeguard-bounds-'))
  parent = folder
  const root = join(folder, 'repo')
  for (const [path, text] of Object.entries({ 'package.json': '{"name":"x"}', ...files })) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), text.replaceAll('<parent>', folder))
  }
  return root
}

const clean = {
  'src/index.ts':
    "import { a } from './a.js'\nexport const data = new URL('../data/x.json', import.meta.url)\n",
  'src/a.ts': "export const a = join(import.meta.dirname, '..', 'data')\n",
  'test/tsconfig.json': '{ // comment\n "extends": "../tsconfig.base.json", }\n',
  'README.md': 'See [the data](data/README.md) and [the site](https://example.com/../x).\n',
  'test/attack.ts': "const kid = '../../../../etc/passwd' // repo-bounds: not a path\n",
}

describe('the repository-bounds check', () => {
  it('passes a repository whose every path stays inside its root', async () => {
    const result = await check(await repository(clean))
    expect(result.output).toContain('ok   repository bounds')
    expect(result.code).toBe(0)
  })

  it('passes this repository', async () => {
    const result = await check(repoRoot)
    expect(result.output).toContain('ok   repository bounds')
    expect(result.code).toBe(0)
  })

  it.each([
    [
      'a test reading vectors from the folder beside the clone',
      'test/vectors.test.ts',
      `const dir = new URL('../../${sibling}/vectors/x.json', import.meta.url)\n`,
      [
        `test/vectors.test.ts:1: names "${sibling}/vectors"`,
        `test/vectors.test.ts:1: path "../../${sibling}/vectors/x.json" resolves outside`,
      ],
    ],
    [
      'a relative import that leaves the root',
      'src/deep/a.ts',
      "\n\nimport x from '../../../elsewhere/x.js'\n",
      ['src/deep/a.ts:3: path "../../../elsewhere/x.js" resolves outside'],
    ],
    [
      'path segments joined in one call that climb out of the root',
      'scripts/run.mjs',
      "const dir = join(import.meta.dirname, '..', '..', 'outside')\n",
      ['scripts/run.mjs:1: path "./../../outside" resolves outside'],
    ],
    [
      'an absolute path under the folder that holds the repository',
      'src/abs.ts',
      'export const f = "<parent>/other/file.json"\n',
      ['src/abs.ts:1: absolute path "<parent>/other/file.json" lies outside'],
    ],
    [
      'a tsconfig extending a file outside the root',
      'tsconfig.json',
      '{\n  // a comment\n  "extends": "../base.json",\n}\n',
      ['tsconfig.json:3: path "../base.json" resolves outside'],
    ],
    [
      'a dependency installed from a folder outside the root',
      'packages/a/package.json',
      '{ "dependencies": { "b": "file:../../../b" } }\n',
      ['packages/a/package.json:1: path "../../../b" resolves outside'],
    ],
    [
      'a README citing a page that lives beside the repository',
      'README.md',
      `The rules are in \`${sibling}/CONTRACT.md\`.\n`,
      [`README.md:1: names "${sibling}/CONTRACT.md"`],
    ],
    [
      'a Markdown link that leaves the root',
      'docs/guide.md',
      'See [the contract](../../notes/contract.md).\n',
      ['docs/guide.md:1: path "../../notes/contract.md" resolves outside'],
    ],
    [
      'a CI script that reads the folder beside the clone',
      '.ci/run',
      `#!/bin/sh\ncp -r ../${sibling}/vectors test/\n`,
      [`.ci/run:2: names "${sibling}/vectors"`],
    ],
  ])('fails the build on %s', async (_name, path, text, expected) => {
    const root = await repository({ ...clean, [path]: text })
    const result = await check(root)
    const output = result.output.replaceAll(parent ?? '<none>', '<parent>')
    expect(result.code).toBe(1)
    expect(output).toContain('The repository must stand alone')
    for (const line of expected) expect(output).toContain(line)
  })
})
