// The smallest deck the library creates: a title, its language, a welcome slide and the join slide. The
// slides are written in the deck's own language (what the room will read), not the page's.

/** @type {Record<string, {welcome: string, welcomeBody: string, join: string, joinBody: string}>} */
const STARTER_SLIDES = {
  en: {
    welcome: 'Welcome',
    welcomeBody: 'Glad you are here.',
    join: 'Join on your phone',
    joinBody: 'Scan the code or type the address to take part. No names needed.',
  },
  de: {
    welcome: 'Willkommen',
    welcomeBody: 'Schön, dass Sie da sind.',
    join: 'Mit dem Handy teilnehmen',
    joinBody: 'Scannen Sie den Code oder geben Sie die Adresse ein. Namen sind nicht nötig.',
  },
  es: {
    welcome: 'Bienvenida',
    welcomeBody: 'Nos alegra que estés aquí.',
    join: 'Participa desde tu móvil',
    joinBody: 'Escanea el código o escribe la dirección para participar. No hace falta dar tu nombre.',
  },
  fr: {
    welcome: 'Bienvenue',
    welcomeBody: 'Merci d’être là.',
    join: 'Participez depuis votre téléphone',
    joinBody: 'Scannez le code ou tapez l’adresse pour participer. Aucun nom n’est demandé.',
  },
  ar: {
    welcome: 'أهلاً وسهلاً',
    welcomeBody: 'يسعدنا وجودكم هنا.',
    join: 'انضموا من هواتفكم',
    joinBody: 'امسحوا الرمز أو اكتبوا العنوان للمشاركة. لا حاجة إلى الأسماء.',
  },
};

/** A YAML string: JSON's double-quoted strings are YAML's too, so any title is written safely. */
const quoted = (/** @type {string} */ text) => JSON.stringify(text);

/**
 * A new deck's YAML.
 * @param {string} title
 * @param {string} lang  one of the server's languages
 */
export function newDeckYaml(title, lang) {
  const slides = STARTER_SLIDES[lang] || STARTER_SLIDES.en;
  return [
    `title: ${quoted(title)}`,
    `lang: ${lang}`,
    'slides:',
    `  - title: ${quoted(slides.welcome)}`,
    `    body: ${quoted(slides.welcomeBody)}`,
    '',
    '  - kind: join',
    `    title: ${quoted(slides.join)}`,
    `    body: ${quoted(slides.joinBody)}`,
    '',
  ].join('\n');
}
