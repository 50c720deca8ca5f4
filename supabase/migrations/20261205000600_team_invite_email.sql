-- Team invites are mailed by the app (issue 23, item 10): the invite email names the inviter and the team,
-- which Supabase's Magic Link template cannot (hosted Supabase passes per-request data to templates only
-- for new or unconfirmed users). The invite and its email row are written in one transaction by
-- lib/billing/team/invites.ts and sent by the same sender as the billing emails (the drain/cron).
-- The row's key (stripe_event_id, kept by name for the billing emails) is 'team_invite:<invite id>'.
alter table public.email_outbox drop constraint email_outbox_template_check;
alter table public.email_outbox add constraint email_outbox_template_check check (template in (
  'payment_failed', 'payment_action_required', 'trial_ending', 'subscription_will_cancel', 'subscription_cancelled', 'seats_changed',
  'team_invite'));

comment on table public.email_outbox is 'Emails to send, written with the rows that cause them (billing emails by the drain, one per Stripe event and template; team invites with the invite) and sent over SMTP by the drain/cron; server-only.';
comment on column public.email_outbox.stripe_event_id is 'What caused the email, unique with template: the Stripe event id for billing emails (a redelivered or replayed event queues nothing new), team_invite:<team_invites.id> for an invite.';
comment on column public.email_outbox.template is 'Which email (lib/email/templates): payment_failed, payment_action_required, trial_ending, subscription_will_cancel, subscription_cancelled, seats_changed, team_invite.';
comment on column public.email_outbox.user_id is 'The account the email is about (its preferences decide optional emails); for a team invite, the inviting owner.';
comment on column public.email_outbox.to_email is 'The recipient: the account''s email when the row was written, or the invited address.';
comment on column public.email_outbox.data is 'What the template shows (amounts, dates, links), taken from the event when it was applied or from the invite; an invite''s row holds its link until it is sent.';
