#!/usr/bin/env node
// The repository stands alone: no file of the project reads or points outside the repository root
// at build, run or test time, so a fresh clone with nothing beside it installs and passes.
// Part of `npm run lint` (and so of `npm test`); `test/repository/repo-bounds.test.ts` proves it
// catches each kind of violation. Usage: node scripts/check-repo-bounds.mjs [--root <dir>]
//
// What it checks, in every text file of the tree (build output, dependencies and vendored data
// aside):
// - code (.ts/.js/.mjs/.cjs/.mts/.cts, parsed with TypeScript): every string literal that is a
//   relative path (`./x`, `../x`, `..`), and every run of literal segments passed to one call
//   (`join(here, '..', '..', 'x')`), resolved against the file's folder, must stay inside the root;
//   no literal may name an absolute path under the root's parent folder;
// - JSON (package.json, tsconfig*.json, ...): the same for every relative string value (`file:`
//   dependency specs included);
// - Markdown: relative link targets must stay inside the root;
// - every file: no mention of the workspace-only folder beside the repository (its vectors and
//   pages), which users do not have.
// A literal that looks like a path but is data (an attack payload, say) is exempted by the comment
// `repo-bounds: not a path` on its line or the line above.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

const args = process.argv.slice(2)
const rootArg = args.indexOf('--root')
const root = resolve(rootArg === -1 ? join(import.meta.dirname, '..') : args[rootArg + 1])
const parent = dirname(root)

/** Folders never scanned: dependencies, build and test output, local data, vendored vectors. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'coverage', '.data', '.tmp', '.out'])
const SKIP_PATHS = new Set(['bench/results', 'test/vectors'])
const SKIP_FILES = new Set(['package-lock.json'])
const CODE = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs'])
/** The sibling workspace folder's contents, by name (written so this file does not match itself). */
const OUTSIDE_NAMES = /\bshared[/\\](?:vectors|CONTRACT\.md|COGNITO\.md|STYLE\.md)/
const EXEMPT = 'repo-bounds: not a path'

const violations = []
const report = (file, line, message) =>
  violations.push(`${relative(root, file).split(sep).join('/')}:${line}: ${message}`)

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    const rel = relative(root, path).split(sep).join('/')
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !SKIP_PATHS.has(rel)) yield* files(path)
    } else if (entry.isFile() && !SKIP_FILES.has(entry.name)) {
      yield path
    }
  }
}

const isRelativePath = (text) => text === '..' || text.startsWith('./') || text.startsWith('../')
const outside = (path) => path !== root && !path.startsWith(root + sep)

/** Resolves a relative path against the file's folder; reports it when it leaves the root. */
function checkRelative(file, line, text, lines) {
  if (!isRelativePath(text)) return
  const context = `${lines[line - 2] ?? ''}\n${lines[line - 1] ?? ''}`
  if (context.includes(EXEMPT)) return
  if (outside(resolve(dirname(file), text.split(/[?#]/)[0]))) {
    report(file, line, `path "${text}" resolves outside the repository root`)
  }
}

function checkAbsolute(file, line, text) {
  if (text.startsWith(parent + sep) && outside(resolve(text))) {
    report(file, line, `absolute path "${text}" lies outside the repository root`)
  }
}

function checkCode(file, source) {
  const lines = source.split('\n')
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true)
  const lineOf = (node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1
  const isText = (node) => ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)
  const visit = (node) => {
    if (isText(node)) {
      checkRelative(file, lineOf(node), node.text, lines)
      checkAbsolute(file, lineOf(node), node.text)
    }
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments) {
      // join(here, '..', '..', 'x'): each segment stays inside alone, the run may not.
      let run = []
      const flush = () => {
        if (run.length > 1 && run.some((arg) => arg.text === '..')) {
          checkRelative(file, lineOf(run[0]), `./${run.map((arg) => arg.text).join('/')}`, lines)
        }
        run = []
      }
      for (const arg of node.arguments) {
        if (isText(arg)) run.push(arg)
        else flush()
      }
      flush()
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
}

function checkJson(file, source) {
  const lines = source.split('\n')
  const lineOf = (text) => {
    const index = lines.findIndex((line) => line.includes(JSON.stringify(text)))
    return index + 1 || 1
  }
  // TypeScript's reader: tsconfig files may hold comments and trailing commas.
  const { config: value, error } = ts.parseConfigFileTextToJson(file, source)
  if (error) return report(file, 1, 'is not readable JSON')
  const walk = (node) => {
    if (typeof node === 'string') {
      const text = node.startsWith('file:') ? node.slice('file:'.length) : node
      checkRelative(file, lineOf(node), text, lines)
      checkAbsolute(file, lineOf(node), text)
    } else if (node && typeof node === 'object') {
      for (const child of Object.values(node)) walk(child)
    }
  }
  walk(value)
}

function checkMarkdown(file, source) {
  const lines = source.split('\n')
  lines.forEach((text, index) => {
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue
      checkRelative(file, index + 1, target.startsWith('.') ? target : `./${target}`, lines)
    }
  })
}

for (const file of files(root)) {
  if (statSync(file).size > 2_000_000) continue
  const source = readFileSync(file, 'utf8')
  if (source.includes('\u0000')) continue // binary (images)
  source.split('\n').forEach((line, index) => {
    const name = OUTSIDE_NAMES.exec(line)
    if (name) report(file, index + 1, `names "${name[0]}", which exists only beside the repository`)
  })
  const ext = extname(file)
  if (CODE.has(ext)) checkCode(file, source)
  else if (ext === '.json') checkJson(file, source)
  else if (ext === '.md') checkMarkdown(file, source)
}

if (violations.length > 0) {
  console.error(
    `The repository must stand alone: ${violations.length} reference(s) outside its root.\n` +
      violations.map((line) => `  ${line}`).join('\n') +
      `\nVendor what is needed under the repository (see test/vectors/README.md), or mark data that` +
      ` only looks like a path with the comment "${EXEMPT}".`,
  )
  process.exit(1)
}
console.log(`ok   repository bounds (${relative(process.cwd(), root) || '.'})`)
