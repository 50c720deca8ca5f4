// Every outbox: the cron and billing:events list their pending and dead rows, --retry-dead retries them.
import "server-only"
import { billingActionsOutbox } from "../checkout/trial-cards"
import { creditGrantsOutbox } from "../credits/purchases"
import { emailOutbox } from "../email/outbox"
import { usageOutbox } from "../usage/outbox"

export const OUTBOXES = [usageOutbox, emailOutbox, billingActionsOutbox, creditGrantsOutbox]
