import { cacheChanged } from '../../src/shared/process-cache.ts';
import { describe, expect, it } from 'vitest';
import { useTestEnvironment } from '../helpers/environment.ts';
import { linkIn } from '../helpers/http.ts';
import { createPerson, sampleRequest } from '../helpers/factories.ts';
import { formatInZone } from '../../src/shared/time.ts';

const t = useTestEnvironment({ marketplace: true });

const FRENCH_BROWSER = { 'accept-language': 'fr-FR,fr;q=0.9' };
const NBSP = '\u00a0';

async function localeOf(email: string): Promise<string> {
  return (await t.env.ctx.db.selectFrom('users').select('locale').where('email', '=', email).executeTakeFirstOrThrow()).locale;
}

async function marketplaceDeadline(): Promise<Date> {
  return (await t.env.ctx.db.selectFrom('marketplaces').select('response_deadline').where('slug', '=', 'gfmd-2007').executeTakeFirstOrThrow()).response_deadline;
}

describe('pages in the reader’s language', () => {
  it('a browser that prefers French gets the marketplace in French, with its deadline written the French way', async () => {
    const page = await t.anonymousPage(FRENCH_BROWSER).get('/m/gfmd-2007');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<html lang="fr">');
    expect(page.html).toContain('Réponses jusqu’au');
    expect(page.html).toContain('Filtrer les demandes');
    expect(page.html).toContain('Se connecter');
    expect(page.html).not.toContain('Responses by');
    const deadline = formatInZone(await marketplaceDeadline(), 'Europe/Brussels', 'fr');
    expect(deadline).not.toBe(formatInZone(await marketplaceDeadline(), 'Europe/Brussels', 'en'));
    expect(page.html).toContain(deadline);
    expect(page.html).toMatch(/dans \d+ jours/);
    // The switch: this page in each language, each link saying which language it leads to.
    expect(page.html).toContain('<a href="/m/gfmd-2007?lang=en" hreflang="en" lang="en">English</a>');
    expect(page.html).toContain('<a href="/m/gfmd-2007?lang=fr" hreflang="fr" lang="fr" aria-current="true">Français</a>');
    expect(page.html).toContain('<a href="/m/gfmd-2007?lang=es" hreflang="es" lang="es">Español</a>');

    const english = await t.anonymousPage().get('/m/gfmd-2007');
    expect(english.html).toContain('<html lang="en">');
    expect(english.html).toContain('Responses by');

    const missing = await t.anonymousPage(FRENCH_BROWSER).get('/no/such/page');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('Page introuvable');
  });

  it('?lang=es switches the page, a cookie keeps the choice for a year, and a bad value changes nothing', async () => {
    const response = await fetch(new URL('/m/gfmd-2007?category=training&lang=es', t.env.baseUrl), { headers: FRENCH_BROWSER });
    const html = await response.text();
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('Respuestas hasta el');
    expect(response.headers.get('content-language')).toBe('es');
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('lang='))!;
    expect(cookie).toMatch(/^lang=es;/);
    expect(cookie).toMatch(/Max-Age=31536000/);
    expect(cookie).toMatch(/SameSite=Lax/);
    // The switch keeps the page's filters, and is no filter itself.
    expect(html).toContain('href="/m/gfmd-2007?category=training&amp;lang=fr"');
    expect(html).not.toContain('error-summary');
    expect(html).toContain('<option value="training" selected>Formación</option>');

    const browser = t.anonymousPage(FRENCH_BROWSER);
    await browser.get('/m/gfmd-2007?lang=es');
    expect(browser.cookie('lang')).toBe('es');
    const later = await browser.get('/m/gfmd-2007');
    expect(later.html).toContain('<html lang="es">');
    const bad = await browser.get('/m/gfmd-2007?lang=de');
    expect(bad.html).toContain('<html lang="es">');
    expect(browser.cookie('lang')).toBe('es');
  });

  it('a signed-in person who switches keeps the language on their account: their pages and emails follow it', async () => {
    const person = await createPerson(t.env.ctx, { email: 'switcher@iom.int', organization: { name: 'International Organization for Migration (IOM)', kind: 'intergovernmental' } });
    expect(await localeOf(person.email)).toBe('en');
    const browser = t.pageAs(person);
    const page = await browser.get('/account/preferences?lang=es');
    expect(page.html).toContain('<html lang="es">');
    expect(page.html).toContain('Guardar las preferencias');
    expect(await localeOf(person.email)).toBe('es');

    // Another browser without the cookie, asking for English: the account's language wins.
    const elsewhere = t.pageAs(person, { 'accept-language': 'en-GB,en;q=0.9' });
    expect((await elsewhere.get('/account/preferences')).html).toContain('<html lang="es">');
    await elsewhere.get('/account/preferences?lang=fr');
    expect(await localeOf(person.email)).toBe('fr');
  });

  it('the forms show their errors in French beside the fields, names and numbers included', async () => {
    const senegal = await createPerson(t.env.ctx, { email: 'focal@gouv.sn', organization: { name: 'Ministère des Sénégalais de l’Extérieur', kind: 'government', country: 'SN' } });
    // An account's language (English until chosen) comes before the browser's: this person chose French.
    const browser = t.pageAs(senegal, FRENCH_BROWSER);
    expect((await browser.get('/m/gfmd-2007/requests/new')).html).toContain('<html lang="en">');
    await browser.get('/m/gfmd-2007?lang=fr');
    const form = await browser.get('/m/gfmd-2007/requests/new');
    expect(form.html).toContain('Publier une demande d’assistance');
    expect(form.html).toContain('<span class="optional">(facultatif)</span>');
    const bad = await browser.post(
      '/m/gfmd-2007/requests/new',
      { title: 'Aide', category: 'training', themes: [], otherThemes: '', description: 'Trop court', expectedOutcome: '', countries: 'Sénégal, XX', languages: 'français, anglais', maxMatches: 'trois', responseDeadlineDate: '', responseDeadlineTime: '17:00' },
      { formPage: '/m/gfmd-2007/requests/new' },
    );
    expect(bad.status).toBe(422);
    expect(bad.html).toContain('Un problème est survenu');
    expect(bad.html).toMatch(new RegExp(`id="title-error"[^>]*><span class="visually-hidden">Erreur${NBSP}: </span>Titre${NBSP}: doit comporter au moins 5 caractères<`));
    expect(bad.html).toMatch(new RegExp(`id="description-error"[^>]*>.*Ce dont vous avez besoin${NBSP}: doit comporter au moins 20 caractères`, 's'));
    expect(bad.html).toContain(`Résultat attendu${NBSP}: obligatoire`);
    expect(bad.html).toContain(`Pays (élément 2)${NBSP}: XX n’est pas un pays : donnez son nom ou son code ISO 3166, comme BD`);
    expect(bad.html).toContain(`Nombre de prestataires à rencontrer${NBSP}: doit être un nombre`);
    // Language names in French are understood: no error for them.
    expect(bad.html).not.toContain('id="languages-error"');
    expect(bad.html).toContain('value="Aide"');
  });

  it('values put into a translated sentence are still escaped', async () => {
    const person = await createPerson(t.env.ctx, { email: 'pending@gouv.example', organization: { name: '<i>Ministère</i> & Co', kind: 'government', country: 'ML', status: 'pending' } });
    const browser = t.pageAs(person);
    browser.setCookie('lang', 'fr');
    const page = await browser.get('/account/organization');
    expect(page.html).toContain('&lt;i&gt;Ministère&lt;/i&gt; &amp; Co attend d’être vérifiée par le secrétariat du Forum.');
    expect(page.html).not.toContain('<i>Ministère</i>');
  });
});

describe('emails in the recipient’s language', () => {
  it('a sign-in link asked for from a French browser comes in French, and the new account keeps French', async () => {
    const browser = t.anonymousPage(FRENCH_BROWSER);
    const sent = await browser.post('/login', { email: 'nouvelle.personne@gouv.sn' }, { formPage: '/login' });
    expect(sent.status).toBe(200);
    expect(sent.html).toContain('Consultez votre messagerie');
    const mail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('nouvelle.personne@gouv.sn'));
    expect(mail.parsed.subject).toBe('Votre lien de connexion à Forum Marketplace');
    expect(mail.parsed.text).toContain('Le lien fonctionne une seule fois, pendant 10 minutes.');
    expect(mail.parsed.text).toContain(`Se connecter${NBSP}:`);
    expect(mail.parsed.html).toContain('<html lang="fr">');
    expect(mail.parsed.html).toContain('Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur');

    const link = linkIn(mail.parsed.text ?? '', `${t.env.baseUrl}/auth/callback`);
    const callback = await browser.get(link.slice(t.env.baseUrl.length));
    expect(callback.html).toContain('Appuyez sur le bouton pour terminer la connexion.');
    const token = new URL(link).searchParams.get('token')!;
    const signedInNow = await browser.post('/auth/callback', { token }, { formPage: link.slice(t.env.baseUrl.length) });
    expect(signedInNow.status).toBe(303);
    expect(await localeOf('nouvelle.personne@gouv.sn')).toBe('fr');
  });

  it('an existing person’s sign-in link comes in their own language, whatever the browser', async () => {
    await createPerson(t.env.ctx, { email: 'focal@ilo.example' });
    await t.env.ctx.db.updateTable('users').set({ locale: 'es' }).where('email', '=', 'focal@ilo.example').execute();
    await t.anonymousPage(FRENCH_BROWSER).post('/login', { email: 'focal@ilo.example' }, { formPage: '/login' });
    const mail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@ilo.example'));
    expect(mail.parsed.subject).toBe('Su enlace para iniciar sesión en Forum Marketplace');
  });

  it('a requester whose language is Spanish hears about the request in Spanish, its deadline written the Spanish way; the organizer still in English', async () => {
    const mexico = await createPerson(t.env.ctx, { email: 'focal@sre.gob.mx', organization: { name: 'Secretaría de Relaciones Exteriores, México', kind: 'government', country: 'MX' } });
    await t.env.ctx.db.updateTable('users').set({ locale: 'es' }).where('id', '=', mexico.id).execute();
    // A change made behind the services' back: tell the session cache, as the services do.
    cacheChanged(t.env.ctx, 'actors');
    const created = await t.api('POST', '/api/v1/marketplaces/gfmd-2007/requests', { token: mexico.token, body: { ...sampleRequest, title: 'Encuesta sobre el costo de las remesas' } });
    expect(created.status).toBe(201);

    const mail = await t.env.mail.waitFor((m) => m.envelopeTo.includes('focal@sre.gob.mx'));
    expect(mail.parsed.subject).toBe('Hemos recibido su solicitud «Encuesta sobre el costo de las remesas»: está pendiente de moderación');
    const deadline = await marketplaceDeadline();
    const spanish = formatInZone(deadline, 'Europe/Brussels', 'es');
    expect(spanish).not.toBe(formatInZone(deadline, 'Europe/Brussels', 'en'));
    expect(mail.parsed.text).toContain(`Plazo de respuesta: ${spanish}`);
    expect(mail.parsed.text).toContain('Hasta que venza el plazo, puede editarla o retirarla.');
    expect(mail.parsed.text).not.toContain('Response deadline');
    expect(mail.parsed.html).toContain('<html lang="es">');
    expect(mail.parsed.html).toContain('Ver su solicitud');

    const moderation = await t.env.mail.waitFor((m) => m.envelopeTo.includes('secretariat@gfmd.test') && /Encuesta sobre el costo/.test(m.parsed.subject ?? ''));
    expect(moderation.parsed.subject).toBe('Review a new request from Secretaría de Relaciones Exteriores, México: "Encuesta sobre el costo de las remesas"');
  });
});
