#!/usr/bin/env bash
# Install the Debian packages the project needs, only when some are missing.
#
#   - WeasyPrint (PDF of the briefs): Pango, its FreeType backend and HarfBuzz's subsetter;
#   - fonts with full French coverage (accents, ligatures, non-breaking spaces);
#   - poppler-utils: pdfinfo, pdftoppm, pdftotext (PDF checks in the tests);
#   - chromium: headless browser tests (Playwright drives /usr/bin/chromium);
#   - make.
#
# Idempotent and fast when everything is present (dpkg-query only, no network).
# Set IAE_IMPACT_SANS_PAQUETS_SYSTEME=1 to skip it (non-Debian machine managed by hand).
set -euo pipefail

PAQUETS=(
  libpango-1.0-0
  libpangoft2-1.0-0
  libharfbuzz-subset0
  fonts-dejavu-core
  fonts-liberation2
  poppler-utils
  chromium
  make
)

if [[ "${IAE_IMPACT_SANS_PAQUETS_SYSTEME:-0}" == "1" ]]; then
  echo "Paquets système : vérification ignorée (IAE_IMPACT_SANS_PAQUETS_SYSTEME=1)." >&2
  exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Ce script vise Debian ou Ubuntu (dpkg-query introuvable)." >&2
  echo "Installez l'équivalent de : ${PAQUETS[*]}" >&2
  echo "puis relancez avec IAE_IMPACT_SANS_PAQUETS_SYSTEME=1 pour passer cette vérification." >&2
  exit 1
fi

installe() {
  # "install ok installed" only: a removed package whose configuration remains does not count.
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

manquants=()
for p in "${PAQUETS[@]}"; do
  installe "$p" || manquants+=("$p")
done

if ((${#manquants[@]} == 0)); then
  exit 0
fi

if [[ "$(id -u)" != "0" ]]; then
  echo "Paquets système manquants : ${manquants[*]}" >&2
  echo "Installez-les avec :" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${manquants[*]}" >&2
  echo "ou lancez : sudo bash scripts/installer-systeme.sh" >&2
  exit 1
fi

echo "Installation des paquets système manquants : ${manquants[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${manquants[@]}"

encore=()
for p in "${manquants[@]}"; do
  installe "$p" || encore+=("$p")
done
if ((${#encore[@]})); then
  echo "Échec de l'installation de : ${encore[*]}" >&2
  exit 1
fi
echo "Paquets système installés." >&2
