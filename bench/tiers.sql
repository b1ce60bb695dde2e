-- The bulk of a data tier (QUALITY.md), run by bench/tiers.py in one transaction after it has
-- migrated the database, created the organization tree, the centre staff (through accounts.services)
-- and these tables:
--   bench_tier     one row: the tier's sizes, its seed and its `now` (every time below is relative to it)
--   bench_cipher   a handful of ID and phone numbers encrypted through EncryptedTextField, with their
--                  lookup hashes and, for resident IDs, the birth date and sex the number encodes
--                  (`alike`: how many values of the same kind there are to pick from)
--   bench_profile  intake-assessment profiles whose escalation score and reasons came from
--                  detainees.escalation.escalation_score
-- The pghistory triggers and the append-only triggers are off for this transaction
-- (SET LOCAL session_replication_role = replica): the audit rows are written explicitly at the end, so
-- that their number is the tier's and not one per inserted row. That also switches off the foreign-key
-- triggers; tiers.py checks every reference afterwards.
-- Every random() is drawn in a fixed order after setseed(): the same seed gives the same rows.
-- Steps are separated by "-- step:" lines; tiers.py times each one.

-- step: seed
SELECT setseed((SELECT seed FROM bench_tier));

-- step: centres
-- The centres (拘留所) in id order, with their county, city and officers.
CREATE TEMP TABLE gen_fac ON COMMIT DROP AS
SELECT (row_number() OVER (ORDER BY f.id) - 1)::int AS idx,
       f.id, f.region_code, c.name AS county, t.name AS city,
       (SELECT array_agg(m.user_id ORDER BY m.user_id) FROM accounts_membership m
         WHERE m.organization_id = f.id AND m.role = 'officer' AND m.is_active) AS officers
  FROM accounts_organization f
  JOIN accounts_organization c ON c.id = f.parent_id
  JOIN accounts_organization t ON t.id = c.parent_id
 WHERE f.kind = 'facility';

-- step: detention draws
-- Detentions 1..n_custody are in custody now (admitted within the last 15 days); the others were
-- released, admitted over the three years before, the larger the id the older. A person holds detention
-- n and, for n > n_persons, also detention n + n_persons: an earlier, released stay, perhaps elsewhere.
CREATE TEMP TABLE gen_draw ON COMMIT DROP AS
SELECT g AS id, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
  FROM bench_tier p, generate_series(1, p.n_det) AS g;

CREATE TEMP TABLE gen_det0 ON COMMIT DROP AS
SELECT d.id,
       d.id <= p.n_custody AS in_custody,
       mod(d.id - 1, p.n_facilities)::int AS fac_idx,
       CASE WHEN d.id <= p.n_persons THEN d.id ELSE d.id - p.n_persons END AS person_id,
       date_trunc('second', CASE WHEN d.id <= p.n_custody
           THEN p.now - d.r1 * interval '14.9 days'
           ELSE p.now - interval '16 days'
                - ((d.id - p.n_custody)::float8 / greatest(p.n_det - p.n_custody, 1)) * interval '1095 days'
                - d.r1 * interval '1 day' END) AS admitted_at,
       d.r2, d.r3, d.r4, d.r5
  FROM gen_draw d, bench_tier p;

CREATE TEMP TABLE gen_det1 ON COMMIT DROP AS
SELECT x.*,
       CASE WHEN x.in_custody
            -- longer than the time already spent, at most 15 days (拘留 of either kind)
            THEN floor(extract(epoch FROM p.now - x.admitted_at) / 86400)::int + 1
                 + floor(x.r2 * (15 - floor(extract(epoch FROM p.now - x.admitted_at) / 86400)))::int
            ELSE 1 + floor(x.r2 * 15)::int END AS days,
       CASE WHEN x.r5 < 0.15 THEN 'judicial' ELSE 'administrative' END AS kind
  FROM gen_det0 x, bench_tier p;

CREATE TEMP TABLE gen_det2 ON COMMIT DROP AS
SELECT x.*,
       x.admitted_at + x.days * interval '1 day' AS scheduled_release_at,
       CASE WHEN x.in_custody THEN NULL
            -- 5% leave early (a judicial detention ended on payment, a decision revoked)
            WHEN x.r3 < 0.05 THEN date_trunc('second', x.admitted_at + x.days * (0.3 + 0.6 * x.r4) * interval '1 day')
            ELSE x.admitted_at + x.days * interval '1 day' END AS released_at
  FROM gen_det1 x;

-- detainees.deadlines.assessment_due_at: the end of the third calendar day after the admission day,
-- Asia/Shanghai, or the (scheduled) release if that comes first.
CREATE TEMP TABLE gen_det3 ON COMMIT DROP AS
SELECT x.*,
       least(((((x.admitted_at AT TIME ZONE 'Asia/Shanghai')::date + 4)::timestamp - interval '1 microsecond')
                AT TIME ZONE 'Asia/Shanghai'),
             x.scheduled_release_at, coalesce(x.released_at, x.scheduled_release_at)) AS due_at
  FROM gen_det2 x;

-- step: leads draws
CREATE TEMP TABLE gen_lead ON COMMIT DROP AS
SELECT h AS id, 1 + floor(random() * p.n_det)::int AS detention_id,
       random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
  FROM bench_tier p, generate_series(1, p.n_leads) AS h;
CREATE INDEX ON gen_lead (detention_id);

-- step: assessment states
-- Exactly n_due detentions are due now: in custody, the assessment overdue and not done (the first
-- n_due such rows by id, so spread evenly over the centres). Of those not yet due, half are done;
-- every other assessment was done in time.
CREATE TEMP TABLE gen_det ON COMMIT DROP AS
SELECT x.*,
       (x.in_custody AND x.due_at <= p.now AND x.overdue_rank <= p.n_due)
         OR (x.in_custody AND x.due_at > p.now AND x.r4 < 0.5) AS open_assessment,
       EXISTS (SELECT 1 FROM gen_lead l WHERE l.detention_id = x.id) AS has_leads,
       f.id AS facility_id, f.region_code, f.county, f.city, f.officers
  FROM (SELECT y.*, row_number() OVER (PARTITION BY y.in_custody AND y.due_at <= p.now ORDER BY y.id) AS overdue_rank
          FROM gen_det3 y, bench_tier p) x
  JOIN gen_fac f ON f.idx = x.fac_idx, bench_tier p;

-- step: persons
-- The person (the identity) and what the centres record about them at each intake (name, phone,
-- addresses, employer: written on each of the person's detentions below, the same at every stay).
CREATE TEMP TABLE gen_person ON COMMIT DROP AS
SELECT s.id, s.created_at, s.id_type,
       coalesce(c.token, '') AS id_number,
       CASE WHEN s.id_type = 'unknown' THEN ''
            -- The ciphertexts are shared by many rows, but the hash column is unique per document:
            -- a per-row stand-in of the same shape keeps person_unique_document satisfied.
            ELSE encode(sha256(convert_to('bench:' || p.tier || ':person:' || s.id, 'UTF8')), 'hex') END AS id_number_hash,
       CASE WHEN s.id_type = 'unknown'
            THEN CASE sx.sex WHEN 'F' THEN '女' ELSE '男' END || '，约' || (25 + mod(s.id, 30)) || '岁，本地口音，自称姓' || s.surname
            ELSE '' END AS unknown_identity_description,
       s.surname || CASE sx.sex
         WHEN 'F' THEN (ARRAY['芳','秀英','丽娟','静','敏','婷','红梅','春燕','玉兰','晓燕','丽华','美玲','雪梅','桂芳','小红'])
                         [1 + floor(s.r7 * 15)::int]
         ELSE (ARRAY['伟','建国','志强','海波','晓东','国庆','建华','明','勇','军','磊','洋','杰','涛','建军','文斌',
                     '立新','永强','金华','小平','德明','建平','卫东','海军','俊'])[1 + floor(s.r7 * 25)::int] END AS name,
       sx.sex,
       CASE WHEN s.id_type = 'unknown' THEN NULL
            ELSE coalesce(c.birth_date, date '1965-01-01' + floor(s.r4 * 14000)::int) END AS birth_date,
       coalesce(ph.token, '') AS phone, coalesce(ph.hash, '') AS phone_hash,
       '浙江省' || s.city || s.county || s.town || s.village || (1 + mod(s.id * 7, 98)) || '号' AS household_address,
       CASE WHEN s.r5 < 0.7 THEN '浙江省' || s.city || s.county || s.town || s.village || (1 + mod(s.id * 7, 98)) || '号'
            ELSE '浙江省' || s.city || s.county || '新城街道幸福社区' || (1 + mod(s.id, 30)) || '幢' END AS current_address,
       CASE WHEN s.r6 < 0.4 THEN ''
            ELSE (ARRAY['个体经营','某建材有限公司','某物流有限公司','某餐饮店','某建筑工程公司','某电器厂',
                        '某汽修厂','某纺织厂','某超市','务农'])[1 + floor(s.r6 * 10)::int] END AS employer
  FROM (SELECT x.*,
               CASE WHEN x.r1 < 0.96 THEN 'resident_id' WHEN x.r1 < 0.975 THEN 'hk_macau_permit'
                    WHEN x.r1 < 0.985 THEN 'taiwan_permit' WHEN x.r1 < 0.995 THEN 'passport'
                    ELSE 'unknown' END AS id_type,
               substr('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈卢',
                      1 + floor(x.r2 * 50)::int, 1) AS surname,
               (ARRAY['城东街道','城西街道','新城街道','东湖镇','西山镇','南湖镇','青石镇','白沙镇','临江镇','花园乡'])
                 [1 + mod(x.id, 10)] AS town,
               (ARRAY['东村','西村','新桥村','大路村','前山村','后塘村','金星村','和平社区','幸福社区','光明社区'])
                 [1 + mod(x.id / 10, 10)] AS village
          FROM (SELECT d.person_id AS id, min(d.admitted_at) - interval '20 minutes' AS created_at,
                       (array_agg(d.county ORDER BY d.admitted_at))[1] AS county,
                       (array_agg(d.city ORDER BY d.admitted_at))[1] AS city,
                       random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                       random() AS r6, random() AS r7, random() AS r8, random() AS r9
                  FROM gen_det d GROUP BY d.person_id ORDER BY d.person_id) x) s
  CROSS JOIN bench_tier p
  LEFT JOIN bench_cipher c
    ON c.field = 'detainees.person.id_number' AND c.kind = s.id_type
   AND c.idx = 1 + floor(s.r8 * c.alike)::int
  LEFT JOIN bench_cipher ph
    ON ph.field = 'detainees.detention.phone' AND s.r9 < 0.9
   AND ph.idx = 1 + floor(s.r9 / 0.9 * ph.alike)::int
  -- the sex a resident ID number encodes, else 85% men (as among the detained)
  CROSS JOIN LATERAL (SELECT coalesce(c.sex, CASE WHEN s.r3 < 0.85 THEN 'M' ELSE 'F' END) AS sex) sx
 ORDER BY s.id;

INSERT INTO detainees_person (id, created_at, updated_at, id_type, id_number, id_number_hash,
                              unknown_identity_description, sex, birth_date)
SELECT id, created_at, created_at, id_type, id_number, id_number_hash, unknown_identity_description, sex, birth_date
  FROM gen_person
 ORDER BY id;

-- step: detentions
INSERT INTO detainees_detention (id, created_at, updated_at, kind, external_ref, decision_number, handling_unit,
                                 reason, admitted_at, detention_days, scheduled_release_at, released_at, cell,
                                 status, assessment_due_at, assessment_completed_at, escalation_score,
                                 facility_id, responsible_officer_id, person_id, name, phone, phone_hash,
                                 household_address, current_address, employer)
SELECT x.id, x.created_at, greatest(x.created_at, coalesce(x.released_at, x.completed_at, x.created_at)),
       x.kind,
       x.region_code || '-JLS-' || to_char(x.admitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-' || lpad(x.id::text, 7, '0'),
       CASE WHEN x.kind = 'administrative'
            THEN substr(x.county, 1, 1) || '公（治）决字〔' || to_char(x.admitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY')
                 || '〕' || (1000 + mod(x.id * 7, 9000)) || '号'
            ELSE '（' || to_char(x.admitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '）浙' || substr(x.region_code, 3, 4)
                 || '司惩' || (1 + mod(x.id, 900)) || '号' END,
       CASE WHEN x.kind = 'administrative'
            THEN x.county || '公安局' || (ARRAY['城东','城西','城南','城北','开发区','港区','新城','东湖','西山','南湖'])
                   [1 + mod(x.id / 3, 10)] || '派出所'
            ELSE x.county || '人民法院' END,
       CASE WHEN x.kind = 'administrative'
            THEN (ARRAY['殴打他人','故意伤害','寻衅滋事','赌博','盗窃','诈骗','吸食毒品','阻碍执行职务','扰乱公共秩序',
                        '故意损毁财物','无证驾驶','非法侵入住宅','散布谣言','威胁他人人身安全','醉酒闹事'])
                   [1 + floor(x.r3 * 15)::int]
            ELSE (ARRAY['拒不履行人民法院已经发生法律效力的判决','妨害民事诉讼','隐匿、转移已被查封的财产','拒不申报财产'])
                   [1 + floor(x.r3 * 4)::int] END,
       x.admitted_at, x.days::smallint, x.scheduled_release_at, x.released_at,
       (1 + mod(x.id, 3)) || '-' || lpad((1 + mod(x.id / 3, 12))::text, 2, '0'),
       CASE WHEN x.in_custody THEN 'in_custody' ELSE 'released' END,
       x.due_at, x.completed_at, coalesce(pr.score, 0)::smallint,
       x.facility_id, x.officers[1 + mod(x.id, cardinality(x.officers))], x.person_id,
       gp.name, gp.phone, gp.phone_hash, gp.household_address, gp.current_address, gp.employer
  FROM (SELECT d.*, least(p.now, d.admitted_at + interval '15 minutes') AS created_at,
               CASE WHEN d.open_assessment THEN NULL
                    ELSE date_trunc('second', d.admitted_at
                         + (least(d.due_at, p.now) - d.admitted_at) * (0.2 + 0.7 * d.r4)) END AS completed_at
          FROM gen_det d, bench_tier p) x
  JOIN gen_person gp ON gp.id = x.person_id
  LEFT JOIN bench_profile pr
    ON x.completed_at IS NOT NULL AND pr.leads_found = x.has_leads
   AND pr.idx = 1 + floor(x.r5 * pr.alike)::int
 ORDER BY x.id;

-- step: intake assessments
-- One for every detention whose assessment is done; its score is the detention's.
INSERT INTO detainees_intakeassessment (id, created_at, updated_at, risk_tags, risk_level, needs, screening_result,
                                        notes, escalation_score, escalation_reasons, completed_at, completed_by_id,
                                        detention_id)
SELECT row_number() OVER (ORDER BY d.id), d.assessment_completed_at, d.assessment_completed_at,
       pr.risk_tags, pr.risk_level, pr.needs, pr.screening_result, '', pr.score, pr.reasons,
       d.assessment_completed_at, d.responsible_officer_id, d.id
  FROM detainees_detention d
  JOIN gen_det x ON x.id = d.id
  JOIN bench_profile pr
    ON pr.leads_found = x.has_leads
   AND pr.idx = 1 + floor(x.r5 * pr.alike)::int
 WHERE d.assessment_completed_at IS NOT NULL
 ORDER BY d.id;

-- step: leads
-- Leads of released detentions are closed, but for exactly n_due of them, still open after the release
-- (the custody clock's "due now": the first n_due by id, spread over the centres); leads of people in
-- custody are mostly still being worked on. release_at is the detention's release (actual, else
-- scheduled), the copy the database triggers keep (off during this fill).
INSERT INTO disputes_disputelead (id, created_at, updated_at, category, summary, amount_at_stake, court_case_number,
                                  source, risk_level, status, closed_at, assigned_officer_id, detention_id,
                                  facility_id, release_at)
SELECT y.id, y.created_at, coalesce(y.closed_at, y.created_at), y.category,
       CASE y.category
         WHEN 'court_enforcement' THEN '拖欠货款经法院判决后未履行，申请执行人要求还款'
         WHEN 'marriage_family' THEN '夫妻因家庭琐事长期争吵，配偶提出离婚，子女抚养问题待协商'
         WHEN 'neighbours' THEN '与邻居因宅基地边界和排水问题发生争执，双方积怨较深'
         WHEN 'public_security' THEN '与对方酒后发生口角并互殴，医疗费赔偿尚未达成一致'
         WHEN 'petition' THEN '因征地补偿问题多次赴省进京上访，诉求尚未解决'
         WHEN 'drug_rehabilitation' THEN '有吸毒史，家属希望协助联系社区戒毒康复'
         WHEN 'resettlement' THEN '出所后无固定住所和工作，需协调安置帮教'
         WHEN 'labour' THEN '被用工单位拖欠工资，与包工头发生冲突'
         WHEN 'debt' THEN '民间借贷到期未还，债权人多次上门催讨'
         ELSE '与他人存在其他经济纠纷，需进一步了解' END,
       CASE WHEN y.category IN ('court_enforcement', 'debt', 'labour')
            THEN round((2000 + y.r3 * 300000)::numeric, -2) END,
       CASE WHEN y.category = 'court_enforcement'
            THEN '（' || (extract(year FROM y.created_at AT TIME ZONE 'Asia/Shanghai') - 1) || '）浙'
                 || substr(y.region_code, 3, 4) || '执' || (100 + mod(y.id * 13, 9000)) || '号'
            ELSE '' END,
       CASE WHEN y.category = 'court_enforcement' AND y.r5 < 0.5 THEN 'court'
            WHEN y.r5 < 0.6 THEN 'intake_screening' WHEN y.r5 < 0.8 THEN 'conversation'
            WHEN y.r5 < 0.9 THEN 'family' WHEN y.r5 < 0.95 THEN 'public_application' ELSE 'other' END,
       CASE WHEN y.r4 < 0.5 THEN 'low' WHEN y.r4 < 0.85 THEN 'medium' ELSE 'high' END,
       y.status, y.closed_at, y.officers[1 + mod(y.id, cardinality(y.officers))], y.detention_id, y.facility_id,
       y.release_at
  FROM (SELECT z.*,
               CASE WHEN z.status IN ('resolved', 'partly_resolved', 'unresolved', 'withdrawn')
                    THEN date_trunc('second', z.created_at + (z.horizon - z.created_at) * (0.2 + 0.8 * z.r4)) END
                 AS closed_at
  FROM (SELECT l.id, l.detention_id, d.facility_id, l.r3, l.r4, l.r5, d.region_code, d.officers, d.horizon,
               coalesce(d.released_at, d.scheduled_release_at) AS release_at,
               date_trunc('second', least(d.horizon, d.admitted_at + interval '1 hour' + (d.horizon - d.admitted_at) * 0.5 * l.r1))
                 AS created_at,
               (ARRAY['court_enforcement','court_enforcement','marriage_family','marriage_family','neighbours',
                      'public_security','public_security','petition','drug_rehabilitation','resettlement','labour',
                      'debt','debt','other'])[1 + floor(l.r2 * 14)::int] AS category,
               CASE WHEN d.in_custody THEN
                      CASE WHEN l.r3 < 0.4 THEN 'open' WHEN l.r3 < 0.7 THEN 'planning' WHEN l.r3 < 0.9 THEN 'mediating'
                           ELSE 'resolved' END
                    WHEN row_number() OVER (PARTITION BY d.in_custody ORDER BY l.id) <= p.n_due THEN 'mediating'
                    WHEN l.r3 < 0.58 THEN 'resolved' WHEN l.r3 < 0.68 THEN 'partly_resolved'
                    WHEN l.r3 < 0.85 THEN 'unresolved' ELSE 'withdrawn' END AS status
          FROM gen_lead l
          JOIN (SELECT g.*, least(coalesce(g.released_at, p.now), p.now) AS horizon FROM gen_det g, bench_tier p) d
            ON d.id = l.detention_id
         CROSS JOIN bench_tier p) z) y
 ORDER BY y.id;

-- step: follow-ups
-- n_fu follow-ups, on the most recently released detentions (ids n_custody + 1 ..., one each), counted
-- from the release day (followups.deadlines: the evaluation by the end of the 7th local day after it,
-- the visits by the end of the 30th and 90th). Exactly n_due evaluations and n_due visits are due now
-- (overdue, still open or pending: the first n_due by id); every other past one was done. A follow-up
-- with its evaluation open is open, with a pending visit evaluated, else closed (案结事了). Only the
-- rows the sweeps and the follow-up list read: no FollowUpLead, Evaluation or Visit rows (a done
-- scheduled visit has no visit_id here).
CREATE TEMP TABLE gen_fu ON COMMIT DROP AS
SELECT x.*, row_number() OVER (PARTITION BY x.eval_due < p.now ORDER BY x.id) AS eval_rank
  FROM (SELECT d.id, d.id AS detention_id, d.facility_id, d.released_at,
               ((((d.released_at AT TIME ZONE 'Asia/Shanghai')::date + 8)::timestamp - interval '1 microsecond')
                  AT TIME ZONE 'Asia/Shanghai') AS eval_due,
               d.r4
          FROM gen_det d, bench_tier p
         WHERE d.id > p.n_custody AND d.id <= p.n_custody + p.n_fu) x, bench_tier p;

CREATE TEMP TABLE gen_visit ON COMMIT DROP AS
SELECT v.*, row_number() OVER (PARTITION BY v.due_at < p.now ORDER BY v.followup_id, v.days) AS visit_rank
  FROM (SELECT f.id AS followup_id, k.days,
               ((((f.released_at AT TIME ZONE 'Asia/Shanghai')::date + k.days + 1)::timestamp - interval '1 microsecond')
                  AT TIME ZONE 'Asia/Shanghai') AS due_at, f.released_at
          FROM gen_fu f CROSS JOIN (VALUES (30), (90)) AS k(days)) v, bench_tier p;

INSERT INTO followups_scheduledvisit (id, created_at, updated_at, days, due_at, status, followup_id, visit_id)
SELECT row_number() OVER (ORDER BY v.followup_id, v.days), v.released_at, v.released_at, v.days, v.due_at,
       CASE WHEN v.due_at >= p.now OR v.visit_rank <= p.n_due THEN 'pending' ELSE 'done' END, v.followup_id, NULL
  FROM gen_visit v, bench_tier p
 ORDER BY v.followup_id, v.days;

INSERT INTO followups_followup (id, created_at, updated_at, opened_at, resolved_at, evaluation_due_at, evaluated_at,
                                next_due_at, status, closed_at, close_reason, close_note, closed_by_id, detention_id,
                                facility_id)
SELECT f.id, f.released_at, f.released_at, f.released_at, f.released_at, f.eval_due,
       CASE WHEN NOT f.open_evaluation
            THEN least(p.now, f.released_at + (f.eval_due - f.released_at) * (0.2 + 0.7 * f.r4)) END,
       CASE WHEN f.open_evaluation THEN f.eval_due ELSE f.next_visit END,
       CASE WHEN f.open_evaluation THEN 'open' WHEN f.next_visit IS NOT NULL THEN 'evaluated' ELSE 'closed' END,
       CASE WHEN NOT f.open_evaluation AND f.next_visit IS NULL THEN least(p.now, f.last_visit + interval '1 hour') END,
       CASE WHEN NOT f.open_evaluation AND f.next_visit IS NULL THEN 'settled' ELSE '' END,
       '', NULL, f.detention_id, f.facility_id
  FROM (SELECT g.*, g.eval_due >= p.now OR g.eval_rank <= p.n_due AS open_evaluation,
               (SELECT min(s.due_at) FROM followups_scheduledvisit s WHERE s.followup_id = g.id AND s.status = 'pending')
                 AS next_visit,
               (SELECT max(s.due_at) FROM followups_scheduledvisit s WHERE s.followup_id = g.id) AS last_visit
          FROM gen_fu g, bench_tier p) f, bench_tier p
 ORDER BY f.id;

-- step: work orders
-- n_wo work orders (QUALITY.md's work-order column), each on a lead (spread over the leads by a fixed
-- stride) and its detention, sent by the lead's officer. For P10 the first county's justice bureau (the
-- "big" partner) holds n_wo_big of them and the second county's (the "small" one) exactly 50; the rest go round
-- the other partner organizations. States by id modulo 20: 15% waiting receipt, 15% received, 20% in
-- progress, 10% fed back, 30% closed, 5% returned, 5% cancelled. Exactly n_wo_due sent orders are past
-- their receipt due time and n_wo_due received or in-progress ones past their feedback due time (the first
-- by id), the others due later. Due times are the end of a local day (1 day after sending, 7 after
-- receipt), close to the working-day rule without the calendar, which the sweeps do not recompute.
CREATE TEMP TABLE gen_partner ON COMMIT DROP AS
SELECT (row_number() OVER (ORDER BY o.id) - 1)::int AS idx, o.id, o.kind
  FROM accounts_organization o
 WHERE o.kind IN ('court', 'enforcement_bureau', 'justice_bureau', 'police_station', 'law_firm')
   AND o.id NOT IN (SELECT big_partner_id FROM bench_tier UNION ALL SELECT small_partner_id FROM bench_tier);

CREATE TEMP TABLE gen_wo ON COMMIT DROP AS
SELECT w.*,
       CASE w.m WHEN 0 THEN 'sent' WHEN 1 THEN 'sent' WHEN 2 THEN 'sent'
                WHEN 3 THEN 'received' WHEN 4 THEN 'received' WHEN 5 THEN 'received'
                WHEN 6 THEN 'in_progress' WHEN 7 THEN 'in_progress' WHEN 8 THEN 'in_progress'
                WHEN 9 THEN 'in_progress' WHEN 10 THEN 'feedback_submitted' WHEN 11 THEN 'feedback_submitted'
                WHEN 18 THEN 'returned' WHEN 19 THEN 'cancelled' ELSE 'closed' END AS status
  FROM (SELECT g AS id, g % 20 AS m, random() AS r,
               CASE WHEN g <= b.n_wo_big THEN b.big_partner_id
                    WHEN g <= b.n_wo_big + 50 THEN b.small_partner_id
                    ELSE (SELECT p.id FROM gen_partner p
                           WHERE p.idx = (g - b.n_wo_big - 51) % (SELECT count(*) FROM gen_partner)) END
                 AS partner_id,
               1 + ((g::bigint * 7919) % b.n_leads)::int AS lead_id
          FROM bench_tier b CROSS JOIN LATERAL generate_series(1, b.n_wo) AS g) w;

CREATE TEMP TABLE gen_wo_due ON COMMIT DROP AS
SELECT w.*, o.kind AS partner_kind, l.detention_id, l.assigned_officer_id, l.summary,
       row_number() OVER (PARTITION BY w.status = 'sent', w.status IN ('received', 'in_progress') ORDER BY w.id)
         AS due_rank
  FROM gen_wo w
  JOIN accounts_organization o ON o.id = w.partner_id
  JOIN disputes_disputelead l ON l.id = w.lead_id;

CREATE TEMP TABLE gen_wo_times ON COMMIT DROP AS
SELECT d.*,
       CASE WHEN d.status = 'sent' AND d.due_rank <= p.n_wo_due THEN p.now - interval '1 day' * (2 + 20 * d.r)
            WHEN d.status = 'sent' THEN p.now - interval '1 hour' * (12 * d.r)
            WHEN d.status IN ('received', 'in_progress') AND d.due_rank <= p.n_wo_due
              THEN p.now - interval '1 day' * (9 + 30 * d.r)
            WHEN d.status IN ('received', 'in_progress') THEN p.now - interval '1 day' * (4 * d.r) - interval '5 hours'
            ELSE p.now - interval '1 day' * (10 + 190 * d.r) END AS sent_at
  FROM gen_wo_due d, bench_tier p;

INSERT INTO referrals_referral (id, created_at, updated_at, token, detention_id, lead_id, requested_by_id)
SELECT t.id, t.sent_at, t.sent_at, md5('bench-referral-' || t.id)::uuid, t.detention_id, t.lead_id,
       t.assigned_officer_id
  FROM gen_wo_times t
 ORDER BY t.id;

INSERT INTO referrals_workorder (id, created_at, updated_at, referral_id, detention_id, lead_id, partner_id, kind,
                                 summary, status, consent_id, is_handover, proposal_reason, created_by_id, sent_at,
                                 sent_by_id, receipt_due_at, received_at, received_by_id, started_at, feedback_due_at,
                                 feedback_at, outcome, result_summary, agreed_amount, paid_amount, closed_at,
                                 accepted_by_id, rating, returned_at, return_reason, cancelled_at, cancel_reason,
                                 partner_activity_at, nudged_at, partner_access_until)
SELECT t.id, t.sent_at, least(p.now, t.sent_at + interval '3 days'), t.id, t.detention_id, t.lead_id, t.partner_id,
       CASE t.partner_kind WHEN 'enforcement_bureau' THEN 'enforcement' WHEN 'court' THEN 'judicial_confirmation'
                           WHEN 'law_firm' THEN 'legal_aid' WHEN 'police_station' THEN 'handover'
                           ELSE 'peoples_mediation' END,
       t.summary, t.status, NULL, t.partner_kind = 'police_station', '', t.assigned_officer_id, t.sent_at,
       t.assigned_officer_id,
       ((((t.sent_at AT TIME ZONE 'Asia/Shanghai')::date + 2)::timestamp - interval '1 microsecond')
          AT TIME ZONE 'Asia/Shanghai'),
       CASE WHEN t.status IN ('sent', 'cancelled') THEN NULL ELSE t.sent_at + interval '4 hours' END,
       NULL,
       CASE WHEN t.status IN ('in_progress', 'feedback_submitted', 'closed') THEN t.sent_at + interval '5 hours' END,
       CASE WHEN t.status IN ('sent', 'cancelled', 'returned') THEN NULL
            ELSE ((((t.sent_at + interval '4 hours') AT TIME ZONE 'Asia/Shanghai')::date + 8)::timestamp
                    - interval '1 microsecond') AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN t.status IN ('feedback_submitted', 'closed') THEN t.sent_at + interval '3 days' END,
       CASE WHEN t.status IN ('feedback_submitted', 'closed') THEN 'resolved' ELSE '' END,
       CASE WHEN t.status IN ('feedback_submitted', 'closed') THEN '已组织双方调解，达成一致' ELSE '' END,
       NULL, NULL,
       CASE WHEN t.status = 'closed' THEN t.sent_at + interval '4 days' END,
       CASE WHEN t.status = 'closed' THEN t.assigned_officer_id END,
       CASE WHEN t.status = 'closed' THEN 4 + (t.id % 2) END,
       CASE WHEN t.status = 'returned' THEN t.sent_at + interval '3 hours' END,
       CASE WHEN t.status = 'returned' THEN '不属于本单位职责范围' ELSE '' END,
       CASE WHEN t.status = 'cancelled' THEN t.sent_at + interval '2 hours' END,
       CASE WHEN t.status = 'cancelled' THEN '当事人已自行和解' ELSE '' END,
       CASE WHEN t.status = 'sent' THEN t.sent_at
            WHEN t.status IN ('received') THEN t.sent_at + interval '4 hours'
            WHEN t.status = 'in_progress' THEN t.sent_at + interval '5 hours'
            ELSE t.sent_at + interval '3 days' END,
       NULL,
       CASE WHEN t.status = 'closed' THEN t.sent_at + interval '34 days'
            WHEN t.status = 'returned' THEN t.sent_at + interval '30 days 3 hours'
            WHEN t.status = 'cancelled' THEN t.sent_at + interval '30 days 2 hours' END
  FROM gen_wo_times t, bench_tier p
 ORDER BY t.id;

-- step: sequences
SELECT setval(pg_get_serial_sequence('detainees_person', 'id'), (SELECT max(id) FROM detainees_person));
SELECT setval(pg_get_serial_sequence('detainees_detention', 'id'), (SELECT max(id) FROM detainees_detention));
SELECT setval(pg_get_serial_sequence('detainees_intakeassessment', 'id'),
              greatest((SELECT max(id) FROM detainees_intakeassessment), 1));
SELECT setval(pg_get_serial_sequence('disputes_disputelead', 'id'), (SELECT max(id) FROM disputes_disputelead));
SELECT setval(pg_get_serial_sequence('followups_followup', 'id'), greatest((SELECT max(id) FROM followups_followup), 1));
SELECT setval(pg_get_serial_sequence('followups_scheduledvisit', 'id'),
              greatest((SELECT max(id) FROM followups_scheduledvisit), 1));
SELECT setval(pg_get_serial_sequence('referrals_referral', 'id'), greatest((SELECT max(id) FROM referrals_referral), 1));
SELECT setval(pg_get_serial_sequence('referrals_workorder', 'id'), greatest((SELECT max(id) FROM referrals_workorder), 1));

-- step: audit budget
-- tiers.py has put into bench_tier the audit rows already written (organizations, staff) and the
-- tier's total. The rest: insert events for the newest rows of each table (all of them while they fit
-- in 60% of what is left), then update events, half on detentions, 30% on leads, 20% on persons.
UPDATE bench_tier b SET
  ev_person_ins = least(k.persons, floor(k.persons * k.fraction)::int),
  ev_det_ins = least(k.detentions, floor(k.detentions * k.fraction)::int),
  ev_lead_ins = least(k.leads, floor(k.leads * k.fraction)::int),
  ev_assess_ins = least(k.assessments, floor(k.assessments * k.fraction)::int)
  FROM (SELECT c.*, least(1.0, 0.6 * (b2.n_audit - b2.events_before)
                                 / (c.persons + c.detentions + c.leads + c.assessments)) AS fraction
          FROM (SELECT (SELECT count(*) FROM detainees_person) AS persons,
                       (SELECT count(*) FROM detainees_detention) AS detentions,
                       (SELECT count(*) FROM disputes_disputelead) AS leads,
                       (SELECT count(*) FROM detainees_intakeassessment) AS assessments) c,
               bench_tier b2) k;
UPDATE bench_tier SET ev_updates = n_audit - events_before - ev_person_ins - ev_det_ins - ev_lead_ins - ev_assess_ins;
UPDATE bench_tier SET ev_det_upd = ev_updates / 2, ev_lead_upd = ev_updates * 3 / 10,
                      ev_person_upd = ev_updates - ev_updates / 2 - ev_updates * 3 / 10;

-- step: audit detentions
-- The context a request leaves (audit.middleware): user, path, method, client address on the police network.
INSERT INTO detainees_detentionevent (pgh_created_at, pgh_label, pgh_context, pgh_context_id, pgh_obj_id, id,
                                      created_at, updated_at, kind, external_ref, decision_number, handling_unit,
                                      reason, admitted_at, detention_days, scheduled_release_at, released_at, cell,
                                      status, assessment_due_at, assessment_completed_at, escalation_score,
                                      facility_id, responsible_officer_id, person_id, name, phone, phone_hash,
                                      household_address, current_address, employer)
SELECT e.at, e.label,
       jsonb_build_object('user', d.responsible_officer_id,
                          'url', CASE WHEN e.label = 'insert' THEN '/detainees/new/'
                                      WHEN e.n % 2 = 0 THEN '/detainees/' || d.id || '/assessment/'
                                      ELSE '/detainees/' || d.id || '/edit/' END,
                          'method', 'POST',
                          'address', '10.33.' || (1 + d.responsible_officer_id % 200) || '.' || (1 + d.id % 250)),
       md5('bench-detention-' || e.label || '-' || e.n || '-' || d.id)::uuid, d.id,
       d.id, d.created_at, d.updated_at, d.kind, d.external_ref, d.decision_number, d.handling_unit, d.reason,
       d.admitted_at, d.detention_days, d.scheduled_release_at, d.released_at, d.cell, d.status,
       d.assessment_due_at, d.assessment_completed_at, d.escalation_score, d.facility_id,
       d.responsible_officer_id, d.person_id, d.name, d.phone, d.phone_hash, d.household_address,
       d.current_address, d.employer
  FROM (SELECT i.id, 'insert' AS label, 0 AS n, i.created_at AS at
          FROM (SELECT id, created_at FROM detainees_detention ORDER BY created_at DESC, id DESC
                 LIMIT (SELECT ev_det_ins FROM bench_tier)) i
        UNION ALL
        SELECT u.id, 'update', u.n,
               least(p.now, u.created_at + interval '1 second' + (u.updated_at - u.created_at + interval '1 day') * u.r)
          FROM (SELECT g AS n, d.id, d.created_at, d.updated_at, random() AS r
                  FROM bench_tier b CROSS JOIN LATERAL generate_series(1, b.ev_det_upd) AS g
                  JOIN detainees_detention d ON d.id = 1 + (g - 1) % b.n_det) u, bench_tier p) e
  JOIN detainees_detention d ON d.id = e.id
 ORDER BY e.at, e.id, e.n;

-- step: audit leads
INSERT INTO disputes_disputeleadevent (pgh_created_at, pgh_label, pgh_context, pgh_context_id, pgh_obj_id, id,
                                       created_at, updated_at, category, summary, amount_at_stake, court_case_number,
                                       source, risk_level, status, closed_at, assigned_officer_id, detention_id)
SELECT e.at, e.label,
       jsonb_build_object('user', l.assigned_officer_id,
                          'url', CASE WHEN e.label = 'insert' THEN '/disputes/new/' || l.detention_id || '/'
                                      WHEN e.n % 3 = 0 THEN '/disputes/' || l.id || '/outcome/'
                                      ELSE '/disputes/' || l.id || '/edit/' END,
                          'method', 'POST',
                          'address', '10.33.' || (1 + l.assigned_officer_id % 200) || '.' || (1 + l.id % 250)),
       md5('bench-lead-' || e.label || '-' || e.n || '-' || l.id)::uuid, l.id,
       l.id, l.created_at, l.updated_at, l.category, l.summary, l.amount_at_stake, l.court_case_number, l.source,
       l.risk_level, l.status, l.closed_at, l.assigned_officer_id, l.detention_id
  FROM (SELECT i.id, 'insert' AS label, 0 AS n, i.created_at AS at
          FROM (SELECT id, created_at FROM disputes_disputelead ORDER BY created_at DESC, id DESC
                 LIMIT (SELECT ev_lead_ins FROM bench_tier)) i
        UNION ALL
        SELECT u.id, 'update', u.n,
               least(p.now, u.created_at + interval '1 second' + (u.updated_at - u.created_at + interval '1 day') * u.r)
          FROM (SELECT g AS n, l.id, l.created_at, l.updated_at, random() AS r
                  FROM bench_tier b CROSS JOIN LATERAL generate_series(1, b.ev_lead_upd) AS g
                  JOIN disputes_disputelead l ON l.id = 1 + (g - 1) % b.n_leads) u, bench_tier p) e
  JOIN disputes_disputelead l ON l.id = e.id
 ORDER BY e.at, e.id, e.n;

-- step: audit persons
INSERT INTO detainees_personevent (pgh_created_at, pgh_label, pgh_context, pgh_context_id, pgh_obj_id, id, created_at,
                                   updated_at, id_type, id_number, id_number_hash, unknown_identity_description,
                                   sex, birth_date)
SELECT e.at, e.label,
       jsonb_build_object('user', d.responsible_officer_id,
                          'url', CASE WHEN e.label = 'insert' THEN '/detainees/new/' ELSE '/detainees/' || d.id || '/edit/' END,
                          'method', 'POST',
                          'address', '10.33.' || (1 + d.responsible_officer_id % 200) || '.' || (1 + s.id % 250)),
       md5('bench-person-' || e.label || '-' || e.n || '-' || s.id)::uuid, s.id,
       s.id, s.created_at, s.updated_at, s.id_type, s.id_number, s.id_number_hash, s.unknown_identity_description,
       s.sex, s.birth_date
  FROM (SELECT i.id, 'insert' AS label, 0 AS n, i.created_at AS at
          FROM (SELECT id, created_at FROM detainees_person ORDER BY created_at DESC, id DESC
                 LIMIT (SELECT ev_person_ins FROM bench_tier)) i
        UNION ALL
        SELECT u.id, 'update', u.n, least(p.now, u.created_at + interval '1 day' * (1 + 30 * u.r))
          FROM (SELECT g AS n, s.id, s.created_at, random() AS r
                  FROM bench_tier b CROSS JOIN LATERAL generate_series(1, b.ev_person_upd) AS g
                  JOIN detainees_person s ON s.id = 1 + (g - 1) % b.n_persons) u, bench_tier p) e
  JOIN detainees_person s ON s.id = e.id
  -- the person's own detention n (every person has one): its officer wrote the record
  JOIN detainees_detention d ON d.id = s.id
 ORDER BY e.at, e.id, e.n;

-- step: audit assessments
INSERT INTO detainees_intakeassessmentevent (pgh_created_at, pgh_label, pgh_context, pgh_context_id, pgh_obj_id, id,
                                             created_at, updated_at, risk_tags, risk_level, needs, screening_result,
                                             notes, escalation_score, escalation_reasons, completed_at,
                                             completed_by_id, detention_id)
SELECT a.created_at, 'insert',
       jsonb_build_object('user', a.completed_by_id, 'url', '/detainees/' || a.detention_id || '/assessment/',
                          'method', 'POST',
                          'address', '10.33.' || (1 + a.completed_by_id % 200) || '.' || (1 + a.id % 250)),
       md5('bench-assessment-' || a.id)::uuid, a.id,
       a.id, a.created_at, a.updated_at, a.risk_tags, a.risk_level, a.needs, a.screening_result, a.notes,
       a.escalation_score, a.escalation_reasons, a.completed_at, a.completed_by_id, a.detention_id
  FROM (SELECT * FROM detainees_intakeassessment ORDER BY created_at DESC, id DESC
         LIMIT (SELECT ev_assess_ins FROM bench_tier)) a
 ORDER BY a.created_at, a.id;
