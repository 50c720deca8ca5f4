// Stripe's error envelope: { error: { type, code?, message, param?, decline_code?, doc_url? } } on /v1;
// on /v2 (Stripe's `v2.error` schema) { error: { type?, code, message, doc_url?, user_message? } }: a code
// always, no `param`.
export class StripeApiError extends Error {
  constructor(
    public status: number,
    public type:
      | "invalid_request_error"
      | "card_error"
      | "idempotency_error"
      | "authentication_error"
      | "api_error"
      | "rate_limit_error"
      | "temporary_session_expired",
    message: string,
    public extra: { code?: string; param?: string; decline_code?: string } = {},
  ) {
    super(message)
  }
  toJSON() {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...this.extra,
        ...(this.extra.code ? { doc_url: `https://stripe.com/docs/error-codes/${this.extra.code.replace(/_/g, "-")}` } : {}),
      },
    }
  }
  /**
   * The /v2 form. A v1 error without a code gets one for its status (the emulator's choice: Stripe's
   * v2 schema requires a code but documents none for these cases); the param goes into the message.
   */
  toV2JSON() {
    const code =
      this.extra.code ??
      (this.status === 401 ? "unauthorized" : this.status === 404 ? "not_found" : this.status === 429 ? "rate_limit" : "invalid_fields")
    const where = this.extra.param && !this.message.includes(this.extra.param) ? ` (${this.extra.param})` : ""
    return {
      error: {
        type: this.type,
        code,
        message: `${this.message}${where}`,
        ...(this.extra.code ? { doc_url: `https://docs.stripe.com/error-codes/${code.replace(/_/g, "-")}` } : {}),
      },
    }
  }
}

export const missing = (kind: string, id: string, param = "id") =>
  new StripeApiError(404, "invalid_request_error", `No such ${kind}: '${id}'`, { code: "resource_missing", param })

export const invalid = (param: string, message: string) => new StripeApiError(400, "invalid_request_error", message, { param })

export const unknownParam = (param: string) =>
  new StripeApiError(400, "invalid_request_error", `Received unknown parameter: ${param}`, { code: "parameter_unknown", param })
