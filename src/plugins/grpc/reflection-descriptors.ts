import type * as protoLoader from '@grpc/proto-loader'
import descriptor, { type IDescriptorProto, type IFieldDescriptorProto, type IFileDescriptorProto } from 'protobufjs/ext/descriptor/index.js'

/**
 * proto-loader builds its file descriptors with protobufjs's toDescriptor, which writes them
 * differently from protoc in ways that strict reflection clients reject or misread. protoc's own
 * descriptor builder (grpc_cli, the C++, Java and Python runtimes) refuses the whole file with
 * "map_entry should not be set explicitly", and Go's protodesc (grpcurl) checks the same rule:
 * - a map field's entry type is named after the field ("Features") instead of "FeaturesEntry";
 * - reserved ranges are written end-inclusive ("reserved 2" as 2..2), where descriptors are
 *   end-exclusive, so the range reads as empty;
 * - type names are relative ("Value") where protoc writes them fully qualified (".pkg.Value").
 * proto-loader also names each file after its package (feature_store_v1.proto). This rewrites the
 * descriptors the reflection service serves the way protoc would have written them, with the files'
 * real paths; what grpc-js itself uses is left alone.
 */
export function reflectionPackageDefinition (
  definition: protoLoader.PackageDefinition, pathOfPackage: Readonly<Record<string, string>>
): protoLoader.PackageDefinition {
  const rewritten = new Map<Buffer, Buffer>()
  const byContent = new Map<string, Buffer>()
  const normalize = (files: readonly Buffer[]): Buffer[] => {
    const missing = files.filter((file) => !rewritten.has(file))
    if (missing.length > 0) {
      const fixed = normalizeFiles(missing.map((file) => descriptor.FileDescriptorProto.decode(file) as unknown as IFileDescriptorProto), pathOfPackage)
      missing.forEach((file, i) => {
        const key = file.toString('base64')
        const bytes = byContent.get(key) ?? Buffer.from(descriptor.FileDescriptorProto.encode(fixed[i]!).finish())
        byContent.set(key, bytes)
        rewritten.set(file, bytes)
      })
    }
    return files.map((file) => rewritten.get(file)!)
  }
  const out: protoLoader.PackageDefinition = {}
  for (const [name, entry] of Object.entries(definition)) {
    const files = (entry as { fileDescriptorProtos?: unknown }).fileDescriptorProtos
    out[name] = Array.isArray(files) ? { ...entry, fileDescriptorProtos: normalize(files as Buffer[]) } as protoLoader.AnyDefinition : entry
  }
  return out
}

/** protoc's name for a map field's entry type: "length_histogram" -> "LengthHistogramEntry". */
export function mapEntryName (fieldName: string): string {
  return `${fieldName.replace(/(^|_)([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase())}Entry`
}

function normalizeFiles (files: IFileDescriptorProto[], pathOfPackage: Readonly<Record<string, string>>): IFileDescriptorProto[] {
  // Every type any of the files defines, by fully-qualified name without the leading dot.
  const symbols = new Set<string>()
  const visit = (message: IDescriptorProto, scope: string): void => {
    const name = join(scope, message.name ?? '')
    symbols.add(name)
    for (const nested of message.nestedType ?? []) visit(nested, name)
    for (const e of message.enumType ?? []) symbols.add(join(name, e.name ?? ''))
  }
  for (const file of files) {
    for (const message of file.messageType ?? []) visit(message, file.package ?? '')
    for (const e of file.enumType ?? []) symbols.add(join(file.package ?? '', e.name ?? ''))
  }
  // C++ scoping, as descriptor.proto defines relative names: innermost scope first, then outwards.
  const qualify = (typeName: string, scope: string): string => {
    if (typeName.startsWith('.')) return typeName
    for (let s = scope; ; s = s.includes('.') ? s.slice(0, s.lastIndexOf('.')) : '') {
      if (symbols.has(join(s, typeName))) return `.${join(s, typeName)}`
      if (s === '') return typeName
    }
  }
  const fixMessage = (message: IDescriptorProto, scope: string): void => {
    const name = join(scope, message.name ?? '')
    for (const field of message.field ?? []) if (field.typeName !== undefined && field.typeName !== '') field.typeName = qualify(field.typeName, name)
    for (const nested of message.nestedType ?? []) fixMessage(nested, name)
    renameMapEntries(message, name)
    // protobufjs keeps reserved ranges inclusive and writes them as they are.
    for (const range of message.reservedRange ?? []) if (range.end !== undefined) range.end += 1
  }
  const renamed = new Map<string, string>()
  for (const file of files) {
    for (const message of file.messageType ?? []) fixMessage(message, file.package ?? '')
    for (const service of file.service ?? []) {
      for (const method of service.method ?? []) {
        if (method.inputType !== undefined) method.inputType = qualify(method.inputType, file.package ?? '')
        if (method.outputType !== undefined) method.outputType = qualify(method.outputType, file.package ?? '')
      }
    }
    const path = pathOfPackage[file.package ?? '']
    if (path !== undefined && file.name !== undefined) {
      renamed.set(file.name, path)
      file.name = path
    }
  }
  for (const file of files) file.dependency = ((file.dependency as string[] | undefined) ?? []).map((d) => renamed.get(d) ?? d)
  return files
}

/** Gives each map entry type protoc's name and points its field at it. */
function renameMapEntries (message: IDescriptorProto, name: string): void {
  for (const nested of message.nestedType ?? []) {
    if (nested.options?.mapEntry !== true) continue
    const oldName = `.${join(name, nested.name ?? '')}`
    const field: IFieldDescriptorProto | undefined = (message.field ?? []).find((f) => f.typeName === oldName)
    if (field?.name === undefined) continue
    nested.name = mapEntryName(field.name)
    field.typeName = `.${join(name, nested.name)}`
  }
}

function join (scope: string, name: string): string {
  return scope === '' ? name : `${scope}.${name}`
}
