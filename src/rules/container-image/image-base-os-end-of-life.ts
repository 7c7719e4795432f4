import { defineRule } from '../define.js';
import { endOfLife, isPastEndOfLife } from '../../images/eol.js';
import { APPLIES_TO, imageExample, viewOf } from './shared.js';

export const imageBaseOsEndOfLife = defineRule({
  id: 'image-base-os-end-of-life',
  title: 'The base operating system is past its end of life',
  severity: 'high',
  category: 'container-image',
  tags: ['image', 'vulnerabilities', 'supply-chain'],
  appliesTo: APPLIES_TO,
  description:
    'The image\'s `/etc/os-release` names a distribution release whose security support has ended (Debian, Ubuntu, Alpine and ' +
    'the other releases kshield knows the dates of): its packages get no more security fixes, so known vulnerabilities stay ' +
    'and a vulnerability database may not even list new ones for it. The last day of support still counts as supported.',
  remediation: 'Rebuild on a supported release of the distribution: an end-of-life release gets no security fixes.',
  references: ['https://www.freedesktop.org/software/systemd/man/latest/os-release.html', 'https://endoflife.date/'],
  check: (resource, context) => {
    const os = viewOf(resource).os;
    const eol = endOfLife(os);
    if (!eol || !isPastEndOfLife(eol, context.now ?? new Date())) return [];
    const name = os?.prettyName && os.versionId && os.prettyName.includes(os.versionId) ? os.prettyName : eol.release;
    return [{ path: '/os', message: `the base operating system, ${name}, reached the end of its security support on ${eol.date}` }];
  },
  examples: {
    valid: [imageExample('config: {User: "10001"}\nos: {id: debian, versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)"}'), imageExample('config: {User: "10001"}')],
    invalid: [
      {
        manifest: imageExample('config: {User: "10001"}\nos: {id: debian, versionId: "9", prettyName: "Debian GNU/Linux 9 (stretch)"}'),
        expect: [{ path: '/os', message: 'Debian GNU/Linux 9 (stretch), reached the end of its security support' }],
      },
    ],
  },
});
