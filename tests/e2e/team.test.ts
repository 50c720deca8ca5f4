// The Team plan as a team in the browser: the owner subscribes with 2 seats and invites someone by
// email; the invitee opens the app's invite email from the dev mailbox, presses Join (signed in by it), joins and
// sees the Team features; the owner previews and buys a third seat, then removes the member, who
// loses the features.
import { describe, expect, it } from "vitest"
import { app, inviteMail, noPageErrors, sharedBrowser, SLOW, teamOwner } from "../support/browser"
import { must } from "../support/must"

const browser = sharedBrowser()

const sharedWorkspaces = async (page: import("playwright-core").Page) => {
  await page.goto(app("/dashboard"))
  return page.getByTestId("feature-shared_workspaces").getAttribute("data-unlocked")
}

describe("team", () => {
  it("invite → accept → member has Team features → seats previewed and bought → removed → features gone", async () => {
    const { page: ownerPage, errors: ownerErrors, email: owner } = await teamOwner(browser())

    const member = `e2e-member-${Date.now()}@example.com`
    const invite = ownerPage.getByRole("form", { name: "Invite a member" })
    await invite.getByLabel("Email address").fill("not-an-email")
    await invite.getByRole("button", { name: "Send invite" }).click()
    await expect.poll(() => invite.getByRole("alert").textContent(), SLOW).toContain("Enter a valid email address.")
    await invite.getByLabel("Email address").fill(member)
    await invite.getByRole("button", { name: "Send invite" }).click()
    await expect.poll(() => invite.getByRole("status").textContent(), SLOW).toContain(`Invite sent to ${member}`)
    await expect.poll(() => ownerPage.getByTestId("team-invites").textContent(), SLOW).toContain(member)
    await expect.poll(() => ownerPage.getByTestId("seat-usage").textContent(), SLOW).toContain("2 of 2 seats used")

    // The invitee has no account: the link creates it and signs them in (a separate browser profile).
    const memberPage = await (await browser().newContext()).newPage()
    const memberErrors = await noPageErrors(memberPage)
    // The invite is the app's own email (issue 23, item 10), sent by the cron's drain over SMTP: it names the inviter and the team.
    const mail = await inviteMail(member)
    expect(mail.subject).toBe(`${owner} invited you to join ${owner}'s team on subkit`)
    expect(mail.text).toContain(`${owner} invited you (${member}) to join ${owner}'s team on subkit`)
    await memberPage.goto(must(mail.link, "the invite email's link"))
    await memberPage.waitForURL((url) => url.pathname === "/invite")
    await expect.poll(() => memberPage.getByText(`${owner} invited ${member} to join ${owner}'s team.`).count(), SLOW).toBe(1)
    // Opening the link signs no one in (issue 23, item 1): only pressing Join does.
    await expect.poll(() => memberPage.getByTestId("link-signs-in-as").textContent(), SLOW).toContain(`signs you in as ${member}`)
    expect((await memberPage.context().cookies()).filter((c) => c.name.includes("auth-token"))).toEqual([])
    expect(memberPage.url()).not.toContain("access_token")
    await memberPage.getByRole("button", { name: "Join the team" }).click({ timeout: 20_000 })
    await memberPage.waitForURL("**/team?joined=1")
    expect(await memberPage.getByText("You joined the team.").count()).toBe(1)
    expect(await memberPage.getByText(`You're on ${owner}'s team`).count()).toBe(1)
    expect(await sharedWorkspaces(memberPage)).toBe("true")
    // The dashboard says whose Team plan they are on and links to the team (issue 23, item 9).
    await memberPage.goto(app("/dashboard"))
    await expect.poll(() => memberPage.getByText(`You're on ${owner}'s Team plan.`).count(), SLOW).toBe(1)
    expect(await memberPage.getByText("You're on the free tier.").count()).toBe(0)
    expect(await memberPage.getByRole("link", { name: "View your team" }).getAttribute("href")).toBe("/team")

    // The owner adds a seat: the preview shows the prorated charge, the confirm bills it.
    await ownerPage.goto(app("/team"))
    await expect.poll(() => ownerPage.getByTestId("team-members").textContent(), SLOW).toContain(member)
    const seats = ownerPage.getByRole("form", { name: "Change seats" })
    await seats.getByLabel("Seats").fill("1")
    await seats.getByRole("button", { name: "Preview price" }).click()
    await expect.poll(() => ownerPage.locator("#quantity-error").textContent(), SLOW).toBe("Choose between 2 and 100 seats.")
    await seats.getByLabel("Seats").fill("3")
    await seats.getByRole("button", { name: "Preview price" }).click()
    await expect.poll(() => ownerPage.getByTestId("seat-preview-total").textContent(), SLOW).toMatch(/^Charged now: \$1[12]\.\d\d$/)
    expect(await ownerPage.getByTestId("seat-preview").textContent()).toContain("Then $36.00 for 3 seats from")
    // Screen readers are told the price: a live region (role=status) says it.
    const announced = ownerPage.getByRole("status").filter({ hasText: /^Charged now: \$1[12]\.\d\d\. Then \$36\.00 for 3 seats from / })
    expect(await announced.count()).toBe(1)
    await ownerPage.getByRole("button", { name: "Confirm 3 seats" }).click()
    await expect.poll(() => ownerPage.getByText("Your team now has 3 seats.").count(), SLOW).toBe(1)
    await expect.poll(() => ownerPage.getByTestId("seat-usage").textContent(), SLOW).toContain("2 of 3 seats used")

    // Removed: the member's features go at once.
    const row = ownerPage.getByTestId("team-members").getByRole("listitem").filter({ hasText: member })
    await row.getByRole("button", { name: "Remove" }).click()
    await row.getByRole("button", { name: "Remove from team" }).click()
    await expect.poll(() => ownerPage.getByText(`${member} was removed from your team.`).count(), SLOW).toBe(1)
    await expect.poll(() => ownerPage.getByTestId("team-members").textContent(), SLOW).not.toContain(member)
    expect(await sharedWorkspaces(memberPage)).toBe("false")
    await memberPage.goto(app("/team"))
    expect(await memberPage.getByRole("link", { name: "See the Team plan" }).count()).toBe(1)
    ownerErrors()
    memberErrors()
  })
})
