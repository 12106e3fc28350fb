/**
 * Brings the file descriptors proto-loader makes (with protobufjs) to what
 * protoc would write, so that strict descriptor pools accept them: protoc's,
 * Python's, grpc-go's `protodesc` (grpcurl, grpcui, Evans), Java's.
 *
 * protobufjs names a map field's entry message after the field (`Statuses`)
 * where protoc's rule is the field's name in CamelCase plus `Entry`
 * (`StatusesEntry`); names types relative to where they are used; lists no
 * imports, so a file that uses another's types fails to load; and drops the
 * flag of proto3 `optional` fields. Here each map entry gets protoc's name,
 * every type reference is fully qualified, each file imports the files whose
 * types it uses, and each `optional` field is marked so again, its oneof
 * after the others. Everything else in the descriptors, including fields
 * this module does not know, is kept as is.
 *
 * @module
 */

import { Message } from "./protobuf_wire.ts";

// Field numbers of descriptor.proto.
const FILE = {
  name: 1,
  package: 2,
  dependency: 3,
  messageType: 4,
  enumType: 5,
  service: 6,
  extension: 7,
};
const MESSAGE = {
  name: 1,
  field: 2,
  nestedType: 3,
  enumType: 4,
  extension: 6,
  options: 7,
  oneof: 8,
};
const FIELD = {
  name: 1,
  extendee: 2,
  label: 4,
  type: 5,
  typeName: 6,
  oneofIndex: 9,
  proto3Optional: 17,
};
const MESSAGE_OPTIONS_MAP_ENTRY = 7;
const ENUM = { name: 1, value: 2 };
const SERVICE = { name: 1, method: 2 };
const METHOD = { name: 1, inputType: 2, outputType: 3 };
const LABEL_REPEATED = 3;
const TYPE_MESSAGE = 11;

/**
 * The name protoc gives the entry message of map field `fieldName`: the name
 * in CamelCase (each letter after an underscore, and the first, upper-cased;
 * the underscores dropped), then `Entry`.
 */
export function mapEntryName(fieldName: string): string {
  let name = "", upperNext = true;
  for (const char of fieldName) {
    if (char === "_") {
      upperNext = true;
    } else {
      name += upperNext && char >= "a" && char <= "z" ? char.toUpperCase() : char;
      upperNext = false;
    }
  }
  return `${name}Entry`;
}

type SymbolKind = "package" | "message" | "enum" | "service" | "member";

interface Declared {
  kind: SymbolKind;
  /** The file that declares it; none for packages. */
  file?: string;
}

const join = (scope: string, name: string) => scope ? `${scope}.${name}` : name;

/** Every name the files declare, as protoc's descriptor pool indexes them. */
class Symbols {
  readonly #symbols = new Map<string, Declared>();

  add(name: string, kind: SymbolKind, file?: string): void {
    if (!this.#symbols.has(name)) this.#symbols.set(name, { kind, file });
  }

  addPackage(name: string): void {
    const parts = name.split(".");
    for (let i = 1; i <= parts.length && name; i++) {
      this.add(parts.slice(0, i).join("."), "package");
    }
  }

  get(name: string): Declared | undefined {
    return this.#symbols.get(name);
  }

  /**
   * The full name (without the leading dot) `name` refers to when used in
   * the scope of the symbol `from`, found as protoc finds it: the first part
   * of the name is looked up from the innermost scope outwards; the rest
   * must then be inside what it found. `types` skips non-types for a
   * single-part name. `undefined` if nothing matches.
   */
  resolve(name: string, from: string, types: boolean): string | undefined {
    if (name.startsWith(".")) return this.get(name.slice(1)) ? name.slice(1) : undefined;
    const first = name.split(".")[0];
    let scope = from;
    for (;;) {
      const dot = scope.lastIndexOf(".");
      if (dot < 0) return this.get(name) ? name : undefined;
      scope = scope.slice(0, dot);
      const found = this.get(join(scope, first));
      if (!found) continue;
      if (first !== name) {
        // A compound name: the rest must be inside the aggregate its first part named.
        if (found.kind !== "member") {
          return this.get(join(scope, name)) ? join(scope, name) : undefined;
        }
      } else if (!types || found.kind === "message" || found.kind === "enum") {
        return join(scope, name);
      }
    }
  }
}

/** Gives each map entry message protoc's name, and its field a fully qualified type name. */
function nameMapEntries(message: Message, fullName: string): void {
  const entries = message.messages(MESSAGE.nestedType).filter((nested) =>
    nested.messages(MESSAGE.options).some((options) =>
      options.varint(MESSAGE_OPTIONS_MAP_ENTRY) === 1
    )
  );
  const named = new Set<Message>();
  for (const field of message.messages(MESSAGE.field)) {
    const typeName = field.string(FIELD.typeName);
    if (
      field.varint(FIELD.label) !== LABEL_REPEATED || field.varint(FIELD.type) !== TYPE_MESSAGE ||
      typeName.startsWith(".")
    ) continue;
    // protobufjs refers to an entry by its bare name, from the message that holds it.
    const entry = entries.find((e) => !named.has(e) && e.string(MESSAGE.name) === typeName);
    if (!entry) continue;
    named.add(entry);
    const name = mapEntryName(field.string(FIELD.name));
    entry.setString(MESSAGE.name, name);
    field.setString(FIELD.typeName, `.${fullName}.${name}`);
  }
}

/**
 * Marks proto3 `optional` fields as such again. protobufjs keeps each in a
 * oneof of its own named `_<field>`, as protoc does, but drops the flag that
 * makes the oneof synthetic; protoc also lists synthetic oneofs last.
 */
function markOptionalFields(message: Message): void {
  const fields = message.messages(MESSAGE.field);
  const oneofs = message.messages(MESSAGE.oneof);
  const members = (index: number) =>
    fields.filter((field) =>
      field.has(FIELD.oneofIndex) && field.varint(FIELD.oneofIndex) === index
    );
  const synthetic = oneofs.map((oneof, index) => {
    const [only, ...others] = members(index);
    return only !== undefined && others.length === 0 &&
      only.varint(FIELD.label) !== LABEL_REPEATED &&
      oneof.string(1) === `_${only.string(FIELD.name)}`;
  });
  if (!synthetic.includes(true)) return;
  const order = [...oneofs.keys()].sort((a, b) => Number(synthetic[a]) - Number(synthetic[b]));
  for (const field of fields) {
    if (!field.has(FIELD.oneofIndex)) continue;
    const index = field.varint(FIELD.oneofIndex);
    field.setVarint(FIELD.oneofIndex, order.indexOf(index));
    if (synthetic[index]) field.setVarint(FIELD.proto3Optional, 1);
  }
  // The oneof declarations, in the new order, where they were among the message's fields.
  const declarations = message.fields.filter((f) => f.number === MESSAGE.oneof);
  const reordered = order.map((index) => declarations[index]);
  let next = 0;
  message.fields.forEach((f, i) => {
    if (f.number === MESSAGE.oneof) message.fields[i] = reordered[next++];
  });
}

function declareEnum(symbols: Symbols, file: string, scope: string, enumType: Message): void {
  symbols.add(join(scope, enumType.string(ENUM.name)), "enum", file);
  // Enum values are siblings of their enum, as in C++.
  for (const value of enumType.messages(ENUM.value)) {
    symbols.add(join(scope, value.string(ENUM.name)), "member", file);
  }
}

function declareMessage(symbols: Symbols, file: string, scope: string, message: Message): void {
  const fullName = join(scope, message.string(MESSAGE.name));
  nameMapEntries(message, fullName);
  markOptionalFields(message);
  symbols.add(fullName, "message", file);
  for (const number of [MESSAGE.field, MESSAGE.extension, MESSAGE.oneof]) {
    for (const member of message.messages(number)) {
      symbols.add(join(fullName, member.string(1)), "member", file);
    }
  }
  for (const nested of message.messages(MESSAGE.nestedType)) {
    declareMessage(symbols, file, fullName, nested);
  }
  for (const enumType of message.messages(MESSAGE.enumType)) {
    declareEnum(symbols, file, fullName, enumType);
  }
}

function declareFile(symbols: Symbols, file: Message): void {
  const name = file.string(FILE.name), pkg = file.string(FILE.package);
  symbols.addPackage(pkg);
  for (const message of file.messages(FILE.messageType)) {
    declareMessage(symbols, name, pkg, message);
  }
  for (const enumType of file.messages(FILE.enumType)) declareEnum(symbols, name, pkg, enumType);
  for (const extension of file.messages(FILE.extension)) {
    symbols.add(join(pkg, extension.string(FIELD.name)), "member", name);
  }
  for (const service of file.messages(FILE.service)) {
    const serviceName = join(pkg, service.string(SERVICE.name));
    symbols.add(serviceName, "service", name);
    for (const method of service.messages(SERVICE.method)) {
      symbols.add(join(serviceName, method.string(METHOD.name)), "member", name);
    }
  }
}

/** Rewrites the type references of one file fully qualified; returns the files they are in. */
function qualifyReferences(symbols: Symbols, file: Message): Set<string> {
  const used = new Set<string>();
  const qualify = (holder: Message, number: number, from: string, types: boolean) => {
    const name = holder.string(number);
    if (!name) return;
    const fullName = symbols.resolve(name, from, types);
    if (fullName === undefined) return; // left for the client to report
    holder.setString(number, `.${fullName}`);
    const declaredIn = symbols.get(fullName)?.file;
    if (declaredIn) used.add(declaredIn);
  };
  const fields = (fieldList: Message[], scope: string) => {
    for (const field of fieldList) {
      const fieldName = join(scope, field.string(FIELD.name));
      qualify(field, FIELD.typeName, fieldName, true);
      qualify(field, FIELD.extendee, fieldName, false);
    }
  };
  const messages = (messageList: Message[], scope: string) => {
    for (const message of messageList) {
      const fullName = join(scope, message.string(MESSAGE.name));
      fields(message.messages(MESSAGE.field), fullName);
      fields(message.messages(MESSAGE.extension), fullName);
      messages(message.messages(MESSAGE.nestedType), fullName);
    }
  };
  const pkg = file.string(FILE.package);
  messages(file.messages(FILE.messageType), pkg);
  fields(file.messages(FILE.extension), pkg);
  for (const service of file.messages(FILE.service)) {
    for (const method of service.messages(SERVICE.method)) {
      const methodName = join(join(pkg, service.string(SERVICE.name)), method.string(METHOD.name));
      qualify(method, METHOD.inputType, methodName, true);
      qualify(method, METHOD.outputType, methodName, true);
    }
  }
  used.delete(file.string(FILE.name));
  return used;
}

/**
 * `files` (encoded `FileDescriptorProto`s that refer to each other, as
 * proto-loader makes them) as protoc would write them: map entries named
 * `<Field>Entry`, type names fully qualified, each file importing the files
 * whose types it uses, and proto3 `optional` fields marked as such.
 * Returned in the same order.
 */
export function protocDescriptors(files: readonly Uint8Array[]): Uint8Array[] {
  const decoded = files.map((file) => Message.decode(file));
  const symbols = new Symbols();
  for (const file of decoded) declareFile(symbols, file);
  return decoded.map((file) => {
    const imports = new Set(file.strings(FILE.dependency));
    for (const used of [...qualifyReferences(symbols, file)].sort()) {
      if (!imports.has(used)) file.addString(FILE.dependency, used);
    }
    return file.encode();
  });
}
