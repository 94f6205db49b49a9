// The module's JS surface as registered (embind, introspected on the loaded module) equals the one
// declared in wasm/pcarecon.d.ts (read with the TypeScript compiler API), which the worker's code
// is type-checked against: a class, function or method added, renamed or removed on one side only
// fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import shared from './module.js';

const DTS = path.join(shared.ROOT, 'wasm', 'pcarecon.d.ts');

// Methods every embind class handle has (ClassHandle), declared in the .d.ts as it suits.
const HANDLE_METHODS = new Set(['delete', 'clone', 'isAliasOf', 'isDeleted', 'deleteLater']);

const exported = (node) => (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0;

// {classes: {name: [methods]}, functions: [names], moduleMembers: [names]} as declared.
function declared() {
  const source = ts.createSourceFile(DTS, fs.readFileSync(DTS, 'utf8'), ts.ScriptTarget.Latest, true);
  const classes = {};
  const functions = [];
  let moduleMembers = [];
  for (const node of source.statements) {
    if (ts.isClassDeclaration(node) && exported(node)) {
      classes[node.name.text] = node.members
        .filter((m) => ts.isMethodDeclaration(m))
        .map((m) => m.name.getText(source))
        .filter((name) => !HANDLE_METHODS.has(name))
        .sort();
    } else if (ts.isFunctionDeclaration(node) && exported(node) && node.name && node.name.text !== 'createPcaRecon') {
      functions.push(node.name.text);
    } else if (ts.isInterfaceDeclaration(node) && node.name.text === 'PcaReconModule') {
      moduleMembers = node.members.map((m) => m.name.getText(source)).sort();
    }
  }
  return { classes, functions: functions.sort(), moduleMembers };
}

// The same, read from the loaded module: embind classes (their prototypes derive from ClassHandle,
// which has isAliasOf) and embind functions (argCount), among everything else on Module.
function registered(Module) {
  const classes = {};
  const functions = [];
  for (const [name, value] of Object.entries(Module)) {
    if (typeof value !== 'function') continue;
    if (value.prototype && typeof value.prototype.isAliasOf === 'function') {
      classes[name] = Object.getOwnPropertyNames(value.prototype)
        .filter((m) => m !== 'constructor')
        .sort();
      for (const method of ['delete']) assert.equal(typeof value.prototype[method], 'function', `${name}.${method}`);
    } else if ('argCount' in value) {
      functions.push(name);
    }
  }
  return { classes, functions: functions.sort() };
}

test('the classes, functions and methods the module registers are those pcarecon.d.ts declares', async () => {
  const want = declared();
  const have = registered(await shared.startModule());
  assert.ok(Object.keys(want.classes).length >= 2 && want.functions.length >= 5, 'the .d.ts was read');
  assert.deepEqual(Object.keys(have.classes).sort(), Object.keys(want.classes).sort(), 'classes');
  for (const name of Object.keys(want.classes)) assert.deepEqual(have.classes[name], want.classes[name], `methods of ${name}`);
  assert.deepEqual(have.functions, want.functions, 'functions');
  assert.deepEqual(want.moduleMembers, [...Object.keys(want.classes), ...want.functions].sort(), 'PcaReconModule lists them all');
});
