/** A message of numeric, boolean and message fields, as proto-loader decodes it. */
export interface TextMessage {
  readonly [field: string]: number | boolean | TextMessage | null;
}

/**
 * A message in protobuf text format, the way Python prints a message
 * (`str(message)`, `"%s" % message`): one `name: value` line per field
 * that is not at its default, `name {` … `}` around a set sub-message,
 * each line ending in a newline. The tutorials' clients print messages so.
 * Fields print in the object's order, which for proto-loader is the proto's.
 *
 * @example
 * ```ts
 * import { textFormat } from "./text_format.ts";
 * textFormat({ latitude: 409146138, longitude: -746188906 });
 * // "latitude: 409146138\nlongitude: -746188906\n"
 * textFormat({ latitude: 0, longitude: 0 }); // ""
 * ```
 */
export function textFormat(message: TextMessage, indent = ""): string {
  let text = "";
  for (const [name, value] of Object.entries(message)) {
    if (value === null || value === 0 || value === false) continue;
    if (typeof value === "object") {
      text += `${indent}${name} {\n${textFormat(value, `${indent}  `)}${indent}}\n`;
    } else {
      text += `${indent}${name}: ${value}\n`;
    }
  }
  return text;
}
