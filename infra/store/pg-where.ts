/** Builds the WHERE clause of a filtered list query; a filter left undefined adds nothing. */
export class Where {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  /** Adds `condition` with its one `$` bound to `value`, unless `value` is undefined. */
  add(condition: string, value: unknown): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.conditions.push(condition.replace("$", `$${this.params.length}`));
    return this;
  }

  /** Adds a condition without parameters, unless it is empty. */
  raw(condition: string): this {
    if (condition !== "") this.conditions.push(condition);
    return this;
  }

  sql(): string {
    return this.conditions.length === 0 ? "" : `WHERE ${this.conditions.join(" AND ")}`;
  }
}
