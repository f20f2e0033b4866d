import { sql } from 'kysely';
import type { Queryable } from '../shared/db.ts';

/** Inserts a question while the request is open and before `deadline` by the database clock; nothing when either has passed. */
export async function insertQuestionBefore({ db }: Queryable, v: { requestId: string; organizationId: string; askedBy: string; text: string; deadline: Date }) {
  const result = await sql<{ id: string }>`
    INSERT INTO request_questions (request_id, organization_id, asked_by, text)
    SELECT r.id, ${v.organizationId}, ${v.askedBy}, ${v.text}
    FROM requests r
    WHERE r.id = ${v.requestId} AND r.status = 'open' AND now() < ${v.deadline}::timestamptz AND now() < r.response_deadline
    RETURNING id`.execute(db);
  return result.rows[0]?.id ?? null;
}

export async function findQuestion({ db }: Queryable, id: string) {
  return db
    .selectFrom('request_questions as q')
    .innerJoin('organizations as o', 'o.id', 'q.organization_id')
    .select(['q.id', 'q.request_id', 'q.organization_id', 'o.name as organization_name', 'q.asked_by', 'q.text', 'q.created_at'])
    .select((eb) => eb.exists(eb.selectFrom('question_answers as a').select('a.id').whereRef('a.question_id', '=', 'q.id')).as('answered'))
    .where('q.id', '=', id)
    .executeTakeFirst();
}

export async function listQuestionsOfRequest({ db }: Queryable, requestId: string) {
  return db
    .selectFrom('request_questions as q')
    .innerJoin('organizations as o', 'o.id', 'q.organization_id')
    .select(['q.id', 'q.request_id', 'q.organization_id', 'o.name as organization_name', 'q.text', 'q.created_at'])
    .where('q.request_id', '=', requestId)
    .orderBy('q.created_at')
    .orderBy('q.id')
    .execute();
}

/** Every version of the answers to these questions, newest first. */
export async function listAnswerVersions({ db }: Queryable, questionIds: string[]) {
  if (questionIds.length === 0) return [];
  return db
    .selectFrom('question_answers')
    .select(['id', 'question_id', 'text', 'answered_as', 'created_at'])
    .where('question_id', 'in', questionIds)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function insertAnswer({ db }: Queryable, v: { questionId: string; text: string; answeredBy: string; answeredAs: 'requester' | 'secretariat' }) {
  return db
    .insertInto('question_answers')
    .values({ question_id: v.questionId, text: v.text, answered_by: v.answeredBy, answered_as: v.answeredAs })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
}

/**
 * Whom a request's published answers concern: people who follow it, wrote a response to it (not
 * withdrawn) or asked a question on it. SQL over `r` (the request) and `u` (the person).
 */
export const concernedByAnswers = sql<boolean>`(
  EXISTS (SELECT 1 FROM request_follows f WHERE f.request_id = r.id AND f.user_id = u.id)
  OR EXISTS (SELECT 1 FROM responses s WHERE s.request_id = r.id AND s.created_by = u.id AND s.status <> 'withdrawn')
  OR EXISTS (SELECT 1 FROM request_questions aq WHERE aq.request_id = r.id AND aq.asked_by = u.id))`;

/**
 * The people an answer on a request is emailed to at once: those concerned (see `concernedByAnswers`),
 * active members of a verified organization other than the requester's, who did not choose the daily
 * digest (theirs carries it).
 */
export async function findAnswerRecipients({ db }: Queryable, requestId: string) {
  const result = await sql<{ id: string; email: string; locale: string }>`
    SELECT u.id, u.email, u.locale
    FROM requests r
    JOIN users u ON u.membership = 'active'
    JOIN organizations o ON o.id = u.organization_id AND o.status = 'verified' AND o.id <> r.organization_id
    WHERE r.id = ${requestId} AND ${concernedByAnswers}
      AND NOT EXISTS (SELECT 1 FROM provider_interests i WHERE i.user_id = u.id AND i.digest)
    ORDER BY u.id`.execute(db);
  return result.rows;
}

/** The person who posted the request, told of each new question, if they still act for its organization. */
export async function findRequestAuthor({ db }: Queryable, requestId: string) {
  return db
    .selectFrom('requests as r')
    .innerJoin('users as u', 'u.id', 'r.created_by')
    .select(['u.id', 'u.email', 'u.locale'])
    .where('r.id', '=', requestId)
    .whereRef('u.organization_id', '=', 'r.organization_id')
    .where('u.membership', '=', 'active')
    .executeTakeFirst();
}
