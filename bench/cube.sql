-- The indicator cube site x year x dispositif of iae_impact.indicators.compute_indicators(ds, by=["site", "dispositif"]),
-- written as ONE DuckDB query on the parquet files of the national benchmark (bench/generer_national.py).
-- Same definitions (README, « Définitions des indicateurs »), same reference tables (data/reference/):
--   personnes   distinct persons with hours > 0 in the year (monthly hours), or whose parcours overlaps the year
--               when it has no monthly hours at all (but not a parcours without any hour, monthly or total, in
--               a structure that gives monthly hours); no year before the data's first activity (here that of
--               the salaried parcours: the national files hold no other);
--   entrees     parcours started in the year;   heures / etp   hours of the year (monthly hours, else the total of
--               the parcours pro-rated over its calendar days; open parcours run to the last date of the data),
--               ETP = hours / heures_par_etp of the dispositif;
--   sorties     parcours ended in the year = sorties_examinees + retraits + sorties_hors_seuil, where the condition is
--               the default variant of data/reference/regles_sortie.csv (the written rule of the ASP):
--               date_sortie + 1 day >= date_entree + 3 months (ACI, EI), total parcours hours >= 150 (AI, ETTI), none
--               (EITI), and « Retrait des sorties constatées » is never examined;
--   categories  examined exits per category of data/reference/motifs_sortie.csv + categories_sortie.csv.
-- Non-salaried dispositifs (ACCOMPAGNEMENT) are left out, as compute_indicators does by default.
-- Placeholders replaced by bench/national.py: {dossier} (folder of the parquet files), {reference} (data/reference).
WITH
rules AS (  -- the default variant of the exit-examination rule
    SELECT dispositif, regle AS regle_examen, CAST(seuil AS DOUBLE) AS seuil
    FROM read_csv('{reference}/regles_sortie.csv', header = true, all_varchar = true)
    WHERE lower(defaut) = 'oui'
),
disp AS (
    SELECT dispositif, lower(salarie) = 'oui' AS salarie, regle_examen, seuil,
           TRY_CAST(NULLIF(heures_par_etp, '') AS DOUBLE) AS heures_par_etp
    FROM read_csv('{reference}/dispositifs.csv', header = true, all_varchar = true) JOIN rules USING (dispositif)
),
motifs AS (
    SELECT m.libelle AS motif_sortie, m.categorie, c.colonne
    FROM read_csv('{reference}/motifs_sortie.csv', header = true, all_varchar = true) AS m
    JOIN read_csv('{reference}/categories_sortie.csv', header = true, all_varchar = true) AS c USING (categorie)
),
parcours_all AS (SELECT * FROM read_parquet('{dossier}/parcours.parquet')),
heures_all AS (SELECT id_parcours, CAST(annee AS BIGINT) AS annee, CAST(mois AS BIGINT) AS mois, heures FROM read_parquet('{dossier}/heures.parquet')),
date_ref AS (  -- the last date the data speak of
    SELECT greatest(
        (SELECT max(date_entree) FROM parcours_all),
        (SELECT max(date_sortie) FROM parcours_all),
        (SELECT last_day(make_date(CAST(max(annee * 100 + mois) // 100 AS BIGINT),
                                   CAST(max(annee * 100 + mois) % 100 AS BIGINT), 1)) FROM heures_all)
    ) AS d
),
p AS (
    SELECT pa.id_parcours, pa.id_personne, pa.structure, pa.site, pa.dispositif, pa.date_entree, pa.date_sortie,
           pa.motif_sortie,
           pa.heures_travaillees, d.regle_examen, d.seuil, d.heures_par_etp
    FROM parcours_all AS pa JOIN disp AS d USING (dispositif)
    WHERE d.salarie
),
monthly_ids AS (SELECT DISTINCT id_parcours FROM heures_all),
year_hours AS (  -- monthly hours per parcours and year; a year whose hours add up to 0 is no activity
    -- fsum: compensated (Kahan) sum, as pandas sums: 4.1 + 74.6 + 62.7 + 8.6 is 150, not 149.99999999999997,
    -- and the 150-hour condition must see 150
    SELECT id_parcours, CAST(annee AS BIGINT) AS annee, fsum(heures) AS heures
    FROM heures_all
    GROUP BY id_parcours, annee
    HAVING fsum(heures) > 0
),
monthly_structures AS (SELECT DISTINCT p.structure FROM p JOIN monthly_ids USING (id_parcours)),
without_monthly AS (  -- a parcours without any hour where the structure gives monthly hours is no activity
    SELECT p.*, coalesce(p.date_sortie, r.d) AS fin
    FROM p ANTI JOIN monthly_ids AS m USING (id_parcours) CROSS JOIN date_ref AS r
    WHERE coalesce(p.heures_travaillees, 0) > 0 OR p.structure NOT IN (SELECT structure FROM monthly_structures)
),
prorated AS (  -- total hours of the parcours spread over the calendar days of each year it overlaps
    SELECT id_parcours, annee,
           coalesce(heures_travaillees, 0)
             * (datediff('day', greatest(date_entree, make_date(annee, 1, 1)), least(fin, make_date(annee, 12, 31))) + 1)
             / (datediff('day', date_entree, fin) + 1) AS heures,
           datediff('day', greatest(date_entree, make_date(annee, 1, 1)), least(fin, make_date(annee, 12, 31))) + 1
             AS jours
    FROM (SELECT *, unnest(range(year(date_entree), year(fin) + 1)) AS annee FROM without_monthly)
),
totals AS (  -- total hours of each parcours (the 150-hour condition)
    SELECT id_parcours, fsum(heures) AS total FROM year_hours GROUP BY id_parcours
    UNION ALL
    SELECT id_parcours, heures_travaillees FROM without_monthly WHERE heures_travaillees IS NOT NULL
),
activity AS (
    SELECT p.site, p.dispositif, a.annee, count(DISTINCT p.id_personne) AS personnes, sum(a.heures) AS heures,
           sum(coalesce(a.heures / p.heures_par_etp, 0)) AS etp
    FROM (SELECT id_parcours, annee, heures FROM year_hours
          UNION ALL SELECT id_parcours, annee, heures FROM prorated WHERE jours > 0) AS a
    JOIN p USING (id_parcours)
    GROUP BY p.site, p.dispositif, a.annee
),
entries AS (
    SELECT site, dispositif, CAST(year(date_entree) AS BIGINT) AS annee, count(*) AS entrees
    FROM p GROUP BY ALL
),
exits AS (
    SELECT p.site, p.dispositif, CAST(year(p.date_sortie) AS BIGINT) AS annee, m.colonne,
           m.categorie = 'Retrait des sorties constatées' AS retrait,
           CASE p.regle_examen
               WHEN 'duree_mois_calendaires'
                   THEN p.date_sortie + INTERVAL 1 DAY >= p.date_entree + to_months(CAST(p.seuil AS INTEGER))
               WHEN 'heures_parcours' THEN coalesce(t.total, -1) >= p.seuil
               WHEN 'aucune' THEN true
               ELSE false
           END AS condition,
           (datediff('day', p.date_entree, p.date_sortie) + 1) / (365.25 / 12) AS duree_mois
    FROM p LEFT JOIN motifs AS m USING (motif_sortie) LEFT JOIN totals AS t USING (id_parcours)
    WHERE p.date_sortie IS NOT NULL
),
exit_counts AS (
    SELECT site, dispositif, annee, count(*) AS sorties,
           count(*) FILTER (condition AND NOT retrait) AS sorties_examinees,
           count(*) FILTER (retrait) AS retraits,
           count(*) FILTER (NOT condition AND NOT retrait) AS sorties_hors_seuil,
           count(*) FILTER (condition AND NOT retrait AND colonne = 'emploi_durable') AS emploi_durable,
           count(*) FILTER (condition AND NOT retrait AND colonne = 'emploi_transition') AS emploi_transition,
           count(*) FILTER (condition AND NOT retrait AND colonne = 'sorties_positives') AS sorties_positives,
           count(*) FILTER (condition AND NOT retrait AND colonne = 'autres_sorties') AS autres_sorties,
           avg(duree_mois) AS duree_moyenne_parcours_mois
    FROM exits GROUP BY ALL
),
cube_keys AS (
    SELECT site, dispositif, annee FROM activity
    UNION SELECT site, dispositif, annee FROM entries
    UNION SELECT site, dispositif, annee FROM exit_counts
),
cube AS (
    SELECT k.annee, k.site, k.dispositif,
           coalesce(a.personnes, 0) AS personnes,
           coalesce(e.entrees, 0) AS entrees,
           coalesce(a.heures, 0.0) AS heures,
           coalesce(a.etp, 0.0) AS etp,
           coalesce(x.sorties, 0) AS sorties,
           coalesce(x.sorties_examinees, 0) AS sorties_examinees,
           coalesce(x.emploi_durable, 0) AS emploi_durable,
           coalesce(x.emploi_transition, 0) AS emploi_transition,
           coalesce(x.sorties_positives, 0) AS sorties_positives,
           coalesce(x.autres_sorties, 0) AS autres_sorties,
           coalesce(x.emploi_durable + x.emploi_transition + x.sorties_positives, 0) AS sorties_dynamiques,
           coalesce(x.retraits, 0) AS retraits,
           coalesce(x.sorties_hors_seuil, 0) AS sorties_hors_seuil,
           x.duree_moyenne_parcours_mois
    FROM cube_keys AS k
    LEFT JOIN activity AS a USING (site, dispositif, annee)
    LEFT JOIN entries AS e USING (site, dispositif, annee)
    LEFT JOIN exit_counts AS x USING (site, dispositif, annee)
)
SELECT *,
       CASE WHEN sorties_examinees > 0 THEN emploi_durable / sorties_examinees END AS taux_emploi_durable,
       CASE WHEN sorties_examinees > 0 THEN emploi_transition / sorties_examinees END AS taux_emploi_transition,
       CASE WHEN sorties_examinees > 0 THEN sorties_positives / sorties_examinees END AS taux_sorties_positives,
       CASE WHEN sorties_examinees > 0 THEN sorties_dynamiques / sorties_examinees END AS taux_sorties_dynamiques
FROM cube
WHERE annee >= (SELECT min(annee) FROM activity)
ORDER BY site, dispositif, annee
