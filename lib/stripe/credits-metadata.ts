// The metadata key a credit pack's Checkout carries (no "server-only": the pure event handlers read it).
export const CREDIT_PACK_METADATA_KEY = "credit_pack"
