// The digest subscription mutations. Addresses go in, never come out.
import { GraphQLError } from 'graphql';
import { confirm, subscribe, SubscriptionInputError, SubscriptionRefused, unsubscribe } from '../../mail/subscriptions.ts';
import { builder } from '../builder.ts';
import { badInput } from '../errors.ts';
import { MAX_TASTE_PAPERS } from '../../catalogue/related.ts';
import { DigestPeriod } from './digest.ts';
import { paperIdsOf } from './related.ts';

builder.mutationType({ description: 'Digest subscriptions by email.' });

const SubscribeToDigestInput = builder.inputType('SubscribeToDigestInput', {
  description: 'What to send, and where.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'The address to send the digest to. It is never shown again, to anyone.' }),
    period: t.field({ type: DigestPeriod, required: true, description: 'DAY, WEEK or MONTH: one mail per period that has papers.' }),
    organizations: t.stringList({ required: false, description: 'Optional: only papers from these organizations (slugs).' }),
    query: t.string({ required: false, description: 'Optional: only papers matching this search (the searchPapers query language). It is searched for every digest, so the mutation counts it as searchPapers does: a query searchPapers would refuse is QUERY_TOO_COSTLY here too.' }),
    liked: t.idList({
      required: false,
      description: `Optional: ids of papers you liked (Paper.id, as recommendedPapers takes them), at most ${MAX_TASTE_PAPERS}. The digest then lists the period's papers most like them first, as recommendedPapers ranks them, each with the reason, instead of the most upvoted.`,
    }),
    disliked: t.idList({
      required: false,
      description: `Optional, with liked: ids of papers you want less like, at most ${MAX_TASTE_PAPERS}; none of them liked too.`,
    }),
  }),
});

const SubscribeToDigestPayload = builder.objectRef<{ ok: boolean }>('SubscribeToDigestPayload').implement({
  description: 'The answer to subscribeToDigest.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok', { description: 'True once the confirmation mail is queued. The address is never echoed back.' }),
  }),
});

const DigestSubscriptionPayload = builder
  .objectRef<{ ok: boolean; period: 'DAY' | 'WEEK' | 'MONTH' | null }>('DigestSubscriptionPayload')
  .implement({
    description: 'The answer to following a confirmation or unsubscribe link.',
    fields: (t) => ({
      ok: t.exposeBoolean('ok', { description: 'False when the token is unknown, already used or expired.' }),
      period: t.field({ type: DigestPeriod, nullable: true, description: 'The period of the subscription, when ok.', resolve: (p) => (p.ok ? p.period : null) }),
    }),
  });

builder.mutationFields((t) => ({
  subscribeToDigest: t.field({
    type: SubscribeToDigestPayload,
    description: `Ask for a digest by email. Sends a confirmation mail; nothing else is sent until the link in it is followed (double opt-in). Asking again for the same address and settings creates no duplicate.
An invalid email, unknown organization slug, unusable query, or an unknown, malformed or non-Paper id in liked or disliked (or more than ${MAX_TASTE_PAPERS} of them) gives BAD_USER_INPUT naming it, and nothing is stored.
An address gets one confirmation mail per ten minutes and five a day, whatever the settings (MAIL_RATE_LIMITED); a client gets a daily budget of subscriptions (SUBSCRIPTION_BUDGET_EXCEEDED). A request may hold only one subscribeToDigest, aliases and batches included (TOO_MANY_MAIL_MUTATIONS).`,
    args: { input: t.arg({ type: SubscribeToDigestInput, required: true, description: 'Address and settings.' }) },
    resolve: async (_root, { input }, ctx) => {
      const [liked, disliked] = await Promise.all([paperIdsOf(ctx, 'input.liked', input.liked ?? []), paperIdsOf(ctx, 'input.disliked', input.disliked ?? [])]);
      try {
        await subscribe(ctx.mailStore, ctx.catalogue, ctx.mail, { ...input, liked, disliked }, { requester: ctx.requester });
      } catch (error) {
        if (error instanceof SubscriptionInputError) throw badInput(error.field, error.message);
        if (error instanceof SubscriptionRefused) throw new GraphQLError(error.message, { extensions: { code: error.code } });
        throw error;
      }
      return { ok: true };
    },
  }),
  confirmDigestSubscription: t.field({
    type: DigestSubscriptionPayload,
    description: 'Confirm a subscription with the token from the confirmation mail (valid 7 days, once).',
    args: { token: t.arg.string({ required: true, description: 'The token of the confirmation link.' }) },
    resolve: (_root, { token }, ctx) => confirm(ctx.mailStore, token),
  }),
  unsubscribeFromDigest: t.field({
    type: DigestSubscriptionPayload,
    description: 'End a subscription with the token from the unsubscribe link of a digest mail.',
    args: { token: t.arg.string({ required: true, description: 'The token of the unsubscribe link.' }) },
    resolve: (_root, { token }, ctx) => unsubscribe(ctx.mailStore, token),
  }),
}));
