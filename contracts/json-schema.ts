/** JSON Schema for every registered message, for consumers written in other languages. */
import { z } from "zod";
import { registry, schemas, messageTypes, type MessageType } from "./registry.ts";

export interface SchemaDocument {
  type: MessageType;
  subjectPattern: string;
  delivery: string;
  schema: unknown;
}

export function jsonSchemas(): SchemaDocument[] {
  return messageTypes.map((type) => {
    const spec = registry[type];
    return {
      type,
      subjectPattern: spec.pattern,
      delivery: spec.delivery.kind === "core" ? "core" : `stream:${spec.delivery.stream}`,
      schema: z.toJSONSchema(schemas[type], { target: "draft-2020-12" }),
    };
  });
}
