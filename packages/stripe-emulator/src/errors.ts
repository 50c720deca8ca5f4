// Stripe's error envelope: { error: { type, code?, message, param?, decline_code?, doc_url? } }.
export class StripeApiError extends Error {
  constructor(
    public status: number,
    public type: "invalid_request_error" | "card_error" | "idempotency_error" | "authentication_error" | "api_error" | "rate_limit_error",
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
}

export const missing = (kind: string, id: string, param = "id") =>
  new StripeApiError(404, "invalid_request_error", `No such ${kind}: '${id}'`, { code: "resource_missing", param })

export const invalid = (param: string, message: string) => new StripeApiError(400, "invalid_request_error", message, { param })

export const unknownParam = (param: string) =>
  new StripeApiError(400, "invalid_request_error", `Received unknown parameter: ${param}`, { code: "parameter_unknown", param })
