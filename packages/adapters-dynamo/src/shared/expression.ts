/**
 * Builds expression placeholders, so no attribute name ever collides with a DynamoDB reserved word (`status`,
 * `count`, `position`…) and values never need escaping.
 */
export class Expression {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private readonly nameIds = new Map<string, string>();
  private valueCount = 0;

  /** `#nX` for an attribute name (dots are not paths: pass path segments separately to `path`). */
  name(attribute: string): string {
    let placeholder = this.nameIds.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.nameIds.size}`;
      this.nameIds.set(attribute, placeholder);
      this.names[placeholder] = attribute;
    }
    return placeholder;
  }

  /** `#a.#b` for a document path. */
  path(...segments: string[]): string {
    return segments.map((segment) => this.name(segment)).join('.');
  }

  /** `:vX` for a value. */
  value(value: unknown): string {
    const placeholder = `:v${this.valueCount}`;
    this.valueCount += 1;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** `SET #a = :a, …` for every field; undefined values are skipped. */
  set(fields: Record<string, unknown>): string {
    return Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => `${this.name(field)} = ${this.value(value)}`)
      .join(', ');
  }

  /** The placeholder maps, leaving out empty ones (DynamoDB rejects an empty map). */
  attributes(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ...(this.nameIds.size > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(this.valueCount > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
