import type { OrganizationKind, RequestCategory, SessionRole } from './types.ts';

/**
 * The 2007 Brussels marketplace as the GMG information note of 12 July 2007 describes it
 * (docs/seeds/brussels-2007-note.txt, a copy of the note the project came from): the agencies and governments it names, the agenda of
 * its Annex 1, who held which role in which session (Section 1 and Annex 2), and a dozen requests of
 * the kinds the note says were posted (training, advice, capacity building, equipment, project
 * development, other). Roles quote the note; the requests are illustrative, written from what the note
 * says each government was working on. `db/seed.ts` loads it.
 *
 * Every address uses the reserved `.example` domain: nothing here can reach a real mailbox.
 */

export const DEMO_DOMAIN = 'gfmd-demo.example';

/** Organizer status comes from ORGANIZER_EMAILS; the seed only creates the user. */
export const ORGANIZER = { email: `secretariat@${DEMO_DOMAIN}`, name: 'GFMD Task Force secretariat' } as const;

export const MARKETPLACE = {
  slug: 'gfmd-2007',
  name: 'GFMD 2007 Brussels',
  timeZone: 'Europe/Brussels',
  /** "available since 18 May": opens at the start of that day, Brussels time. */
  opens: { date: '2007-05-18', time: '00:00' },
  /** "potential service providers will have to respond by COB 20 June": close of business is 17:00. */
  responseDeadline: { date: '2007-06-20', time: '17:00' },
  forumStartsOn: '2007-07-09',
  forumEndsOn: '2007-07-11',
  meetingMinutes: 30,
  sideMeetingsFrom: '09:00',
  sideMeetingsUntil: '18:00',
  sealedResponses: false,
  // A schedule people can attend: at most six side meetings a day, and a free slot after three in a row.
  maxMeetingsPerDay: 6,
  breakAfter: 3,
  /** "Monday 9 July: Civil Society Day": the governments' side meetings start on the 10th. */
  noMeetingDays: [{ date: '2007-07-09', label: 'Civil Society Day' }],
  rooms: ['Room A', 'Room B', 'Room C', 'Salle Europa'],
} as const;

export type OrganizationKey =
  // The ten GMG members, and the two organizations invited to give input (UNESCO, UNICEF)
  | 'ilo' | 'iom' | 'unctad' | 'undp' | 'undesa' | 'unfpa' | 'ohchr' | 'unhcr' | 'unodc' | 'worldbank' | 'unesco' | 'unicef'
  // Named in the note as partners
  | 'ifad' | 'osce' | 'ec' | 'ippr' | 'samp'
  // Governments
  | 'belgium' | 'spain' | 'morocco' | 'bangladesh' | 'luxembourg' | 'mauritius' | 'drc' | 'finland' | 'norway' | 'mexico'
  | 'senegal' | 'ireland' | 'sweden' | 'netherlands' | 'indonesia' | 'elsalvador' | 'turkey' | 'moldova';

export interface SeedOrganization {
  name: string;
  kind: OrganizationKind;
  /** ISO 3166-1 alpha-2; null for international bodies. */
  country: string | null;
  /** The one active member who signs in for it. */
  focalPoint: { email: string; name: string };
}

const focal = (local: string, name: string) => ({ email: `${local}@${DEMO_DOMAIN}`, name });
const agency = (name: string, kind: OrganizationKind, local: string, short: string): SeedOrganization => ({
  name,
  kind,
  country: null,
  focalPoint: focal(local, `GFMD focal point, ${short}`),
});
const government = (country: string, code: string, local: string, office: string): SeedOrganization => ({
  name: `Government of ${country}`,
  kind: 'government',
  country: code,
  focalPoint: focal(local, `GFMD focal point, ${office}`),
});

export const ORGANIZATIONS: Record<OrganizationKey, SeedOrganization> = {
  ilo: agency('International Labour Organization (ILO)', 'un_agency', 'ilo', 'ILO'),
  // IOM joined the UN system only in 2016; in 2007 it was an intergovernmental organization (and chaired the GMG).
  iom: agency('International Organization for Migration (IOM)', 'intergovernmental', 'iom', 'IOM'),
  unctad: agency('United Nations Conference on Trade and Development (UNCTAD)', 'un_agency', 'unctad', 'UNCTAD'),
  undp: agency('United Nations Development Programme (UNDP)', 'un_agency', 'undp', 'UNDP'),
  undesa: agency('United Nations Department of Economic and Social Affairs (UN DESA)', 'un_agency', 'undesa', 'UN DESA Population Division'),
  unfpa: agency('United Nations Population Fund (UNFPA)', 'un_agency', 'unfpa', 'UNFPA'),
  ohchr: agency('Office of the United Nations High Commissioner for Human Rights (OHCHR)', 'un_agency', 'ohchr', 'OHCHR'),
  unhcr: agency('Office of the United Nations High Commissioner for Refugees (UNHCR)', 'un_agency', 'unhcr', 'UNHCR Brussels'),
  unodc: agency('United Nations Office on Drugs and Crime (UNODC)', 'un_agency', 'unodc', 'UNODC'),
  worldbank: agency('World Bank', 'intergovernmental', 'worldbank', 'World Bank'),
  unesco: agency('United Nations Educational, Scientific and Cultural Organization (UNESCO)', 'un_agency', 'unesco', 'UNESCO'),
  unicef: agency("United Nations Children's Fund (UNICEF)", 'un_agency', 'unicef', 'UNICEF'),
  ifad: agency('International Fund for Agricultural Development (IFAD)', 'un_agency', 'ifad', 'IFAD'),
  osce: agency('Organization for Security and Co-operation in Europe (OSCE)', 'intergovernmental', 'osce', 'OSCE'),
  ec: agency('European Commission (EC)', 'intergovernmental', 'ec', 'European Commission'),
  ippr: { name: 'Institute for Public Policy Research (IPPR)', kind: 'research', country: 'GB', focalPoint: focal('ippr', 'Migration team, IPPR') },
  samp: agency('Southern African Migration Project (SAMP)', 'research', 'samp', 'SAMP'),

  belgium: government('Belgium', 'BE', 'belgium', 'GFMD Task Force, Belgium'),
  spain: government('Spain', 'ES', 'spain', 'Ministry of Labour and Social Affairs, Spain'),
  morocco: government('Morocco', 'MA', 'morocco', 'Ministry of Employment and Vocational Training, Morocco'),
  bangladesh: government('Bangladesh', 'BD', 'bangladesh', "Ministry of Expatriates' Welfare and Overseas Employment, Bangladesh"),
  luxembourg: government('Luxembourg', 'LU', 'luxembourg', 'Ministry of Foreign Affairs, Luxembourg'),
  mauritius: government('Mauritius', 'MU', 'mauritius', 'Ministry of Foreign Affairs, Mauritius'),
  drc: government('the Democratic Republic of the Congo', 'CD', 'drc', 'Ministry of Foreign Affairs, DR Congo'),
  finland: government('Finland', 'FI', 'finland', 'Ministry for Foreign Affairs, Finland'),
  norway: government('Norway', 'NO', 'norway', 'Ministry of Foreign Affairs, Norway'),
  mexico: government('Mexico', 'MX', 'mexico', 'Secretariat of Foreign Affairs, Mexico'),
  senegal: government('Senegal', 'SN', 'senegal', 'Ministry of Foreign Affairs, Senegal'),
  ireland: government('Ireland', 'IE', 'ireland', 'Department of Foreign Affairs, Ireland'),
  sweden: government('Sweden', 'SE', 'sweden', 'Ministry of Justice, Sweden'),
  netherlands: government('the Netherlands', 'NL', 'netherlands', 'Ministry of Foreign Affairs, the Netherlands'),
  indonesia: government('Indonesia', 'ID', 'indonesia', 'Ministry of Manpower and Transmigration, Indonesia'),
  elsalvador: government('El Salvador', 'SV', 'elsalvador', 'Ministry of Foreign Affairs, El Salvador'),
  turkey: government('Turkey', 'TR', 'turkey', 'Ministry of Labour and Social Security, Turkey'),
  moldova: government('Moldova', 'MD', 'moldova', 'Ministry of Economy and Trade, Moldova'),
};

export interface SeedRole {
  organization: OrganizationKey;
  role: SessionRole;
  /** The note's wording. */
  note: string;
}

export interface SeedSession {
  code: string;
  title: string;
  /** Brussels local date and wall-clock times. */
  date: string;
  starts: string;
  ends: string;
  roles: SeedRole[];
}

/*
 * Annex 1 gives each round table one slot (10 July 15:00-18:00, 11 July 09:00-12:00) and lists two
 * sessions per round table in it. The agenda here splits each slot in two equal halves, the session
 * listed first taking the first half: 10 July 1.1, 2.1, 3.1 at 15:00-16:30 and 1.2, 2.4, 3.3 at
 * 16:30-18:00; 11 July 1.4, 2.2, 3.2 at 09:00-10:30 and 1.3, 2.3, 3.4 at 10:30-12:00. The three round
 * tables run in parallel.
 */
export const SESSIONS: SeedSession[] = [
  {
    code: 'CSD',
    title: 'Civil Society Day',
    date: '2007-07-09',
    starts: '09:00',
    ends: '18:00',
    roles: [
      { organization: 'worldbank', role: 'speaker', note: 'The World Bank will be launching the Development Marketplace for African Diasporas in Europe (D-MADE).' },
      { organization: 'iom', role: 'contributor', note: 'IOM has hosted a series of "Diaspora Dialogues" in collaboration with NGO, IGO and governmental partners and will share the results at the Civil Society Day.' },
      { organization: 'unesco', role: 'contributor', note: "Hosting of a 'Diaspora Dialogue'; the results of the Diaspora dialogues will feed into the Civil Society Day of the Global Forum." },
    ],
  },
  {
    code: 'OPENING',
    title: 'Opening Session and Welcoming Addresses; Report of the "Civil Society Day" and Discussion',
    date: '2007-07-10',
    starts: '09:00',
    ends: '13:00',
    roles: [],
  },
  {
    code: '1.1',
    title: 'Highly skilled migration: balancing interests and responsibilities',
    date: '2007-07-10',
    starts: '15:00',
    ends: '16:30',
    roles: [
      { organization: 'unctad', role: 'contributor', note: 'UNCTAD is contributing to the background papers for Round Table 1 Sessions 1.1 and 1.2 and is seeking to be included among the expert agencies to provide input and advice on these sessions.' },
    ],
  },
  {
    code: '1.2',
    title: 'Temporary labor migration as a contribution to development: sharing responsibility',
    date: '2007-07-10',
    starts: '16:30',
    ends: '18:00',
    roles: [
      { organization: 'spain', role: 'coordinator', note: 'Coordinating partners: Spain and Morocco.' },
      { organization: 'morocco', role: 'coordinator', note: 'Coordinating partners: Spain and Morocco.' },
      { organization: 'ilo', role: 'rapporteur', note: 'The Government of Spain has asked the ILO to act as rapporteur for the Round Table.' },
      { organization: 'ilo', role: 'contributor', note: 'The ILO has been requested to provide inputs to the background papers along with other actors.' },
      { organization: 'iom', role: 'speaker', note: 'The Government of Morocco has asked IOM to speak on behalf of OSCE/IOM/ILO on the Handbook on "Establishing Effective Labour Migration Policies in Countries of Origin and Destination".' },
      { organization: 'osce', role: 'contributor', note: 'IOM speaks on behalf of OSCE/IOM/ILO on the Handbook on "Establishing Effective Labour Migration Policies in Countries of Origin and Destination".' },
      { organization: 'unctad', role: 'contributor', note: 'UNCTAD is contributing to the background papers for Round Table 1 Sessions 1.1 and 1.2.' },
    ],
  },
  {
    code: '2.1',
    title: 'Improving the formal transfer of remittances and reducing their cost',
    date: '2007-07-10',
    starts: '15:00',
    ends: '16:30',
    roles: [],
  },
  {
    code: '2.4',
    title: 'Working with the diaspora for development',
    date: '2007-07-10',
    starts: '16:30',
    ends: '18:00',
    roles: [],
  },
  {
    code: '3.1',
    title: 'Measuring Migration and Development Impacts: Latest Initiatives and Progress',
    date: '2007-07-10',
    starts: '15:00',
    ends: '16:30',
    roles: [
      { organization: 'finland', role: 'coordinator', note: 'Coordinating partner: Finland.' },
      { organization: 'ilo', role: 'contributor', note: 'The Government of Finland has requested the ILO to provide inputs to the background paper and to comment on the concept note and the first draft of the paper.' },
      { organization: 'iom', role: 'contributor', note: 'IOM has been requested by the Government of Finland to comment on the background paper for 3.1 prepared by the Institute for Public Policy Research.' },
      { organization: 'ippr', role: 'contributor', note: 'The background paper for 3.1 was prepared by the Institute for Public Policy Research.' },
    ],
  },
  {
    code: '3.3',
    title: 'Discussion on the future of the Global Forum on Migration and Development',
    date: '2007-07-10',
    starts: '16:30',
    ends: '18:00',
    roles: [],
  },
  {
    code: '1.4',
    title: 'How can circular migration and sustainable return serve as development tools?',
    date: '2007-07-11',
    starts: '09:00',
    ends: '10:30',
    roles: [
      { organization: 'luxembourg', role: 'coordinator', note: 'Coordinating partners: Luxembourg and Mauritius.' },
      { organization: 'mauritius', role: 'coordinator', note: 'Coordinating partners: Luxembourg and Mauritius.' },
      { organization: 'ilo', role: 'contributor', note: 'The Government of Luxembourg has requested the ILO to provide comments to the background paper on circular migration.' },
      { organization: 'iom', role: 'contributor', note: "The Governments of Luxembourg and of Mauritius have requested IOM to provide them with input on IOM's experience on migration, mobility strategies, and such programs like Migration for Development in Africa (MIDA); MRF Brussels gives technical assistance to the MIDA presentation." },
      { organization: 'drc', role: 'speaker', note: 'The Government of Belgium has requested that the MIDA approach/project be discussed in Session 1.4. DRC will present the MIDA project with the technical assistance of MRF Brussels.' },
    ],
  },
  {
    code: '1.3',
    title: 'The role of other than government partners in strengthening the developmental contribution of temporary labour migration',
    date: '2007-07-11',
    starts: '10:30',
    ends: '12:00',
    roles: [
      { organization: 'bangladesh', role: 'coordinator', note: 'Coordinating partner: Bangladesh.' },
      { organization: 'ilo', role: 'contributor', note: 'The Government of Bangladesh has requested the ILO to provide inputs to the background papers.' },
      { organization: 'iom', role: 'rapporteur', note: 'IOM has also been asked to serve as rapporteur for this session.' },
      { organization: 'iom', role: 'contributor', note: "The Government of Bangladesh has requested IOM's input on existing partnerships which contribute to maximizing the developmental impact of migration, and reduce migration-related risks." },
      { organization: 'undp', role: 'speaker', note: 'UNDP and UNICEF have offered to give a joint presentation (impact on children of migration and remittances; a "balance sheet" approach; temporary worker programmes).' },
      { organization: 'unicef', role: 'speaker', note: 'UNDP and UNICEF will most probably give a joint presentation, including support to families and migrant children left behind.' },
    ],
  },
  {
    code: '2.2',
    title: 'Increasing the micro-impact of remittances on development',
    date: '2007-07-11',
    starts: '09:00',
    ends: '10:30',
    roles: [
      { organization: 'undp', role: 'co_organizer', note: 'UNDP has been invited by the Government of Belgium to organize Session 2.2; UNDP will present the session.' },
      { organization: 'norway', role: 'discussant', note: 'UNDP will present the session with the Government of Norway as the discussant.' },
      { organization: 'mexico', role: 'chair', note: 'With Mexico likely as chair.' },
      { organization: 'senegal', role: 'contributor', note: 'The Government of Senegal is also considering being a partner in this effort.' },
      { organization: 'ifad', role: 'contributor', note: 'The Government of Senegal is also considering being a partner in this effort as is IFAD.' },
    ],
  },
  {
    code: '2.3',
    title: 'Increasing the macro impact of remittances on development',
    date: '2007-07-11',
    starts: '10:30',
    ends: '12:00',
    roles: [
      { organization: 'worldbank', role: 'co_organizer', note: 'The World Bank has put together a team organizing Round Table 2.3 on the macro impact of remittances and finalized the background paper.' },
      { organization: 'elsalvador', role: 'contributor', note: 'Country representatives from El Salvador, Turkey and Moldova were contacted by the World Bank team.' },
      { organization: 'turkey', role: 'contributor', note: 'Country representatives from El Salvador, Turkey and Moldova were contacted by the World Bank team.' },
      { organization: 'moldova', role: 'contributor', note: 'Country representatives from El Salvador, Turkey and Moldova were contacted by the World Bank team.' },
    ],
  },
  {
    code: '3.2',
    title: 'Coherent Policy Planning and Methodology to Link Migration and Development',
    date: '2007-07-11',
    starts: '09:00',
    ends: '10:30',
    roles: [
      { organization: 'sweden', role: 'coordinator', note: 'A draft version has been shared with the Session 3.2 team led by Sweden.' },
      { organization: 'worldbank', role: 'speaker', note: 'The World Bank will present the results and lessons of its survey of 53 Poverty Reduction Strategy papers during session 3.2.' },
      { organization: 'worldbank', role: 'contributor', note: 'The World Bank has prepared a background paper on the lessons about integrating migration into Poverty Reduction Strategies (PRS).' },
    ],
  },
  {
    code: '3.4',
    title: 'Regional Migration Consultation Processes and Development: Advancing Cooperation',
    date: '2007-07-11',
    starts: '10:30',
    ends: '12:00',
    roles: [
      { organization: 'iom', role: 'co_organizer', note: 'IOM has been requested to lead preparations for this panel, including drafting the background paper.' },
      { organization: 'iom', role: 'speaker', note: 'IOM will be a speaker at the Roundtable.' },
      { organization: 'unctad', role: 'contributor', note: 'UNCTAD is one of the partners working with IOM and others on Round Table 3.4 and has contributed to the background paper.' },
      { organization: 'unctad', role: 'discussant', note: 'UNCTAD would wish to also serve as a discussant.' },
      { organization: 'unfpa', role: 'co_organizer', note: 'UNFPA is co-organizing Round Table 3 Session 4 with IOM and other partners.' },
      { organization: 'unhcr', role: 'contributor', note: 'UNHCR will also look into the possibility of contributing to Session 3.4 (refugee protection, asylum and mixed migrations).' },
      { organization: 'ireland', role: 'contributor', note: 'Consulted by IOM to prepare this roundtable.' },
      { organization: 'sweden', role: 'contributor', note: 'Consulted by IOM to prepare this roundtable.' },
      { organization: 'netherlands', role: 'contributor', note: 'Consulted by IOM to prepare this roundtable.' },
      { organization: 'indonesia', role: 'contributor', note: 'Consulted by IOM to prepare this roundtable.' },
      { organization: 'ec', role: 'contributor', note: 'Consulted by IOM to prepare this roundtable.' },
      { organization: 'samp', role: 'contributor', note: 'Consulted by IOM to prepare this roundtable.' },
    ],
  },
  {
    code: 'CLOSING',
    title: 'Closing Session',
    date: '2007-07-11',
    starts: '14:00',
    ends: '18:00',
    roles: [],
  },
];

export interface SeedRequest {
  organization: OrganizationKey;
  title: string;
  category: RequestCategory;
  /** Agenda session codes and free tags. */
  themes: string[];
  description: string;
  expectedOutcome: string;
  /** ISO 3166-1 alpha-2. */
  countries: string[];
  /** ISO 639-1. */
  languages: string[];
  maxMatches: number;
  /** When the requester submitted it and the secretariat published it (Brussels local). */
  submitted: string;
  published: string;
}

export const REQUESTS: SeedRequest[] = [
  {
    organization: 'bangladesh',
    title: 'Pre-departure orientation and training for labour attachés',
    category: 'training',
    themes: ['1.3', 'pre-departure orientation', 'labour attachés', 'recruitment'],
    description:
      'Bangladeshi workers leave on temporary contracts mainly for the Gulf and Malaysia. Our labour attachés handle wage disputes, contract substitution and emergencies with few tools, and the pre-departure orientation given before departure is short and uneven. We seek a partner to train labour attachés and the trainers of our technical training centres, drawing on the experience of recruitment agencies, migrant associations and NGOs working with workers abroad.',
    expectedOutcome: 'A trained core of labour attachés and orientation trainers, and a pre-departure curriculum in Bangla that the ministry can run on its own.',
    countries: ['BD'],
    languages: ['en', 'bn'],
    maxMatches: 3,
    submitted: '2007-05-21T10:15',
    published: '2007-05-22T09:30',
  },
  {
    organization: 'bangladesh',
    title: 'Partnerships with recruitment agencies and migrant associations to lower migration costs',
    category: 'capacity_building',
    themes: ['1.3', 'recruitment', 'migration costs', 'partnerships'],
    description:
      'High recruitment fees and debt reduce what temporary workers bring home. We want to build the capacity of the Bureau of Manpower, Employment and Training to work with licensed recruitment agencies, migrant associations and microfinance institutions on a code of conduct, cheaper pre-departure loans and complaint handling.',
    expectedOutcome: 'A partnership framework with private and civil society partners, a draft code of conduct for recruitment agencies and a pilot pre-departure loan scheme design.',
    countries: ['BD'],
    languages: ['en', 'bn'],
    maxMatches: 2,
    submitted: '2007-05-24T11:00',
    published: '2007-05-25T14:00',
  },
  {
    organization: 'morocco',
    title: 'Advice on applying the labour migration policy handbook in Morocco',
    category: 'advice',
    themes: ['1.2', 'labour migration policy', 'handbook'],
    description:
      'Morocco is both a country of origin and, increasingly, of transit and destination. We would like expert advice on using the OSCE/IOM/ILO Handbook "Establishing Effective Labour Migration Policies in Countries of Origin and Destination" to review our labour migration policy, in particular the protection of temporary workers abroad and the role of the national employment agency (ANAPEC) in recruitment.',
    expectedOutcome: 'A short policy review with recommendations, discussed with the ministries concerned in a one-day workshop in Rabat.',
    countries: ['MA'],
    languages: ['fr', 'ar'],
    maxMatches: 2,
    submitted: '2007-05-22T16:40',
    published: '2007-05-23T10:00',
  },
  {
    organization: 'spain',
    title: 'Development outcomes of seasonal agricultural work schemes with Morocco',
    category: 'project_development',
    themes: ['1.2', '1.4', 'temporary labour migration', 'seasonal work'],
    description:
      'Spain recruits seasonal agricultural workers in Morocco under bilateral arrangements, with return at the end of each season. We want to develop a project that follows workers and their households over several seasons to learn what the schemes contribute to development in the regions of origin, and what would increase it (training, savings products, return support).',
    expectedOutcome: 'A project document with a monitoring method, partners in both countries and a budget, ready to submit for co-financing.',
    countries: ['ES', 'MA'],
    languages: ['es', 'fr', 'ar'],
    maxMatches: 2,
    submitted: '2007-05-30T09:20',
    published: '2007-05-31T11:30',
  },
  {
    organization: 'mauritius',
    title: 'Designing a circular migration programme with European partners',
    category: 'project_development',
    themes: ['1.4', 'circular migration', 'sustainable return', 'skills'],
    description:
      'Mauritius is restructuring its sugar and textile sectors and wants to offer workers temporary employment abroad that brings skills and savings back home. We seek partners to design a circular migration programme with one or more European countries: selection, training before departure, recognition of skills, and reintegration on return.',
    expectedOutcome: 'A programme design agreed with at least one destination country, with roles for the employment service, employers and returning workers.',
    countries: ['MU'],
    languages: ['en', 'fr'],
    maxMatches: 3,
    submitted: '2007-05-25T08:45',
    published: '2007-05-28T09:00',
  },
  {
    organization: 'luxembourg',
    title: 'Advice on supporting the sustainable return of Cape Verdean professionals',
    category: 'advice',
    themes: ['1.4', 'sustainable return', 'MIDA', 'diaspora'],
    description:
      'Luxembourg hosts a large Cape Verdean community and supports development cooperation with Cape Verde. We would like advice, drawing on Migration for Development in Africa (MIDA) experience, on how short-term and permanent returns of qualified Cape Verdeans could strengthen health and education services there.',
    expectedOutcome: 'Options for a return and skills-transfer component in our cooperation programme with Cape Verde, with costs and risks.',
    countries: ['LU', 'CV'],
    languages: ['fr', 'pt'],
    maxMatches: 2,
    submitted: '2007-06-01T14:10',
    published: '2007-06-04T09:15',
  },
  {
    organization: 'mexico',
    title: 'Reducing the cost of remittance transfers from the United States',
    category: 'advice',
    themes: ['2.1', '2.2', 'remittance costs', 'financial inclusion'],
    description:
      'Remittances from Mexicans in the United States are among the largest flows in the world, yet many households still receive them through costly channels and far from a bank. We seek advice on measures that lower transfer costs and bring recipients into the financial system: price transparency, competition among transfer operators, and payment through savings institutions in rural areas.',
    expectedOutcome: 'Recommendations on cost reduction and rural payment points, and contacts with institutions that have done it.',
    countries: ['MX', 'US'],
    languages: ['es', 'en'],
    maxMatches: 3,
    submitted: '2007-05-23T17:05',
    published: '2007-05-24T10:30',
  },
  {
    organization: 'senegal',
    title: 'Channelling diaspora savings into local investment',
    category: 'project_development',
    themes: ['2.4', '2.2', 'diaspora investment', 'hometown associations'],
    description:
      'Senegalese abroad, organised in hometown associations in France, Italy and Spain, already fund schools, wells and health posts. We want to develop a project that helps these associations and individual migrants invest in productive activities at home, with local banks, microfinance institutions and municipalities as partners.',
    expectedOutcome: 'A project proposal with a matching-fund mechanism, partner institutions and a pilot in two regions.',
    countries: ['SN', 'FR', 'IT', 'ES'],
    languages: ['fr', 'wo'],
    maxMatches: 3,
    submitted: '2007-05-29T12:00',
    published: '2007-05-30T09:45',
  },
  {
    organization: 'elsalvador',
    title: 'Measuring the macroeconomic impact of remittances',
    category: 'capacity_building',
    themes: ['2.3', 'remittances', 'macroeconomic policy'],
    description:
      'Remittances are a large share of the gross domestic product of El Salvador. The Central Reserve Bank and the Ministry of Finance want to strengthen their ability to analyse how remittances affect growth, the exchange rate, inflation and public finances, and to take them into account in macroeconomic planning.',
    expectedOutcome: 'Staff able to run and update a model of remittance effects, and a first analytical note for policy makers.',
    countries: ['SV'],
    languages: ['es'],
    maxMatches: 2,
    submitted: '2007-06-04T15:30',
    published: '2007-06-05T10:00',
  },
  {
    organization: 'moldova',
    title: 'Training in recording remittances in the balance of payments',
    category: 'training',
    themes: ['2.3', '3.1', 'remittance statistics', 'migration data'],
    description:
      'A large share of Moldovan households depend on remittances, much of which arrive through informal channels. Staff of the National Bank and the National Bureau of Statistics need training on estimating and recording remittance flows, including informal transfers, and on using household survey data for this purpose.',
    expectedOutcome: 'Improved remittance estimates in the balance of payments and a survey module the statistics bureau can repeat.',
    countries: ['MD'],
    languages: ['ro', 'ru', 'en'],
    maxMatches: 2,
    submitted: '2007-06-06T09:00',
    published: '2007-06-07T11:00',
  },
  {
    organization: 'turkey',
    title: "Peer exchange on migrants' savings and regional development",
    category: 'other',
    themes: ['2.3', '2.4', 'diaspora investment', 'peer exchange'],
    description:
      "Turkey has long experience of emigration to Germany and other European countries and of migrants' savings invested at home. We propose a peer exchange with countries of origin that are now designing policies for remittances and diaspora investment, to share what worked and what did not, and to learn from their newer instruments.",
    expectedOutcome: 'A two-day exchange with three or four countries and a short joint note of lessons.',
    countries: ['TR', 'DE'],
    languages: ['tr', 'en', 'de'],
    maxMatches: 3,
    submitted: '2007-06-08T10:20',
    published: '2007-06-11T09:30',
  },
  {
    organization: 'finland',
    title: 'Piloting migration and development impact indicators in partner countries',
    category: 'advice',
    themes: ['3.1', 'migration data', 'impact measurement'],
    description:
      'As coordinator of session 3.1, Finland wants to follow up on the discussion on measuring migration and development impacts. We seek advice on a small set of indicators that partner countries could collect with existing surveys and administrative data, and on piloting them in two of our long-term partner countries.',
    expectedOutcome: 'An indicator set with data sources, and terms of reference for pilots in Mozambique and Tanzania.',
    countries: ['FI', 'MZ', 'TZ'],
    languages: ['en', 'pt', 'sw'],
    maxMatches: 2,
    submitted: '2007-06-05T13:00',
    published: '2007-06-06T09:00',
  },
  {
    organization: 'sweden',
    title: 'Integrating migration into poverty reduction strategies',
    category: 'advice',
    themes: ['3.2', 'policy coherence', 'poverty reduction strategies'],
    description:
      'Few poverty reduction strategies treat migration as more than a risk. Sweden, leading session 3.2, would like to support two partner countries that wish to integrate migration into their next poverty reduction strategy, and seeks advice on methods, data and consultation of the ministries concerned.',
    expectedOutcome: 'A practical guidance note and two country partners ready to start, with the support they need identified.',
    countries: ['SE'],
    languages: ['en', 'fr'],
    maxMatches: 2,
    submitted: '2007-06-11T10:00',
    published: '2007-06-12T09:30',
  },
  {
    organization: 'indonesia',
    title: 'Equipment for a registry of overseas migrant workers',
    category: 'equipment',
    themes: ['1.3', '3.4', 'migrant worker registry', 'protection'],
    description:
      'The agency for the placement and protection of Indonesian overseas workers needs computers, servers and software to link provincial offices and the main departure points in one registry of workers placed abroad, so that contracts, insurance and returns can be followed and families informed in an emergency.',
    expectedOutcome: 'Equipment and software installed at headquarters and five provincial offices, with staff trained to use them.',
    countries: ['ID'],
    languages: ['id', 'en'],
    maxMatches: 1,
    submitted: '2007-06-07T08:30',
    published: '2007-06-08T10:00',
  },
  {
    organization: 'belgium',
    title: 'Partners for a MIDA project with diaspora health professionals in the Great Lakes region',
    category: 'project_development',
    themes: ['1.4', 'CSD', 'MIDA', 'diaspora', 'health'],
    description:
      'Belgium asked that the Migration for Development in Africa (MIDA) approach be discussed in session 1.4. We would like to develop, with the Democratic Republic of the Congo and its neighbours, a next phase in which doctors, nurses and teachers of the diaspora in Belgium undertake short assignments in hospitals and universities at home, and seek partners for design and delivery.',
    expectedOutcome: 'A project document for the next phase with partner institutions in the region and in Belgium.',
    countries: ['BE', 'CD', 'RW', 'BI'],
    languages: ['fr', 'nl', 'en'],
    maxMatches: 3,
    submitted: '2007-05-18T15:00',
    published: '2007-05-21T09:00',
  },
];
