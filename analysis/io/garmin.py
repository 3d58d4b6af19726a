"""Read Garmin Connect exports: the web ``Activities.csv``, the GDPR activities JSON and gear JSON.

Three files, one platform (FORMATS.md, "Garmin Connect web CSV"; data/README-exports.md):

* ``Activities.csv`` from Garmin Connect's "All Activities" page (Export CSV):
  one row per activity, 25-45 columns depending on the sports and metrics in
  the account, headers *and* activity types in the account's language, values
  in the account's units. Read by :func:`read_garmin_csv`.
* ``DI_CONNECT/DI-Connect-Fitness/<user>_0_summarizedActivities.json`` from the
  full (GDPR) data export: ``[{"summarizedActivitiesExport": [...]}]``. Read by
  :func:`read_garmin_json`.
* ``<user>_gear.json`` from the same export: shoes and which activities they
  were used on. Read by :func:`read_garmin_gear` / :func:`read_garmin_shoes`
  and applied to runs with :func:`apply_garmin_gear`.

Localised CSV headers
---------------------
Garmin translates every header and every activity type into the account's
language. :data:`HEADER_ALIASES` and :data:`RUN_TYPE_ALIASES` hold the names
for the columns and the running types this reader needs, in the languages
Garmin Connect offers. Names marked "seen" were read in real exports
(../shared/data and public repositories); the others are Garmin's wording as
best known and are backed by two fallbacks:

* a column whose header is unknown is still identified by its values where
  that is safe: the activity type is the first column, the date column is the
  one whose cells parse as dates, the distance the first column of 2-decimal
  numbers in the range of run distances, the duration the first ``h:mm:ss``
  column. The log reason names the column and how it was read, and lists the
  headers nobody recognised.
* an activity type missing from the table is taken as a run when it contains
  a running word stem (``run``, ``lauf``, ``løb``, ``bieg``, ``跑``, ...) and no
  skiing, cycling, swimming or walking stem; the log reason says so.

Comparison is case-, accent- and punctuation-insensitive (``Ø Pace`` =
``o pace``, ``Calorieën`` = ``Calorieen``, ``street_running`` = ``Street
Running``), so the 2017 layout with type keys (``running``,
``street_running``) is read by the same table.

Numbers
-------
Cells are quoted strings. Missing is ``--``, ``NaN``, ``--:--:--`` or empty;
Garmin guards negative elevations with a leading apostrophe (``'-3``).
Thousands separators and decimal commas both use ``,``: a comma followed by
exactly three digits is a thousands separator (``"8,966"``), one or two digits
a decimal comma (``"5,81"``) -- decided per column: if any cell of a column
has a decimal comma (``,\\d{1,2}$``), every comma in that column is a decimal
comma. In files written with decimal commas, a dot followed by three digits is
a thousands separator (``"2.932"`` steps). Durations are ``00:36:26``,
``41:06`` (mm:ss), ``00:04:53.4`` or ``00:00:54,9``.

Units
-----
Values follow the account's settings (km or miles, m or ft) and the file does
not say which. Stride length is always in metres. The distance unit is, in
this order: the ``units`` argument; a unit written in the header
(``Distance (mi)``); inferred from the runs themselves: Garmin computes the
average stride length as distance / steps, so ``steps x stride_m /
distance`` (or ``stride_m x cadence x moving_min / distance`` without a steps
column) is ~1000 when distances are in km and ~1609 in miles. Without stride
data, a median run pace slower than 9:00 per unit is taken as min/mi (9:00
min/km is a walking pace for most runners, 9:00 min/mi a common easy pace);
otherwise km. Elevation is in feet when distances are in miles (Garmin's
"Statute" setting), and vertical oscillation is taken in inches then (cm
otherwise; no statute export with running dynamics was at hand to confirm
this). The log says when miles were inferred, so a wrong guess can be
overridden with ``units``.

Times
-----
``Date`` is the local wall time of the start, with no offset: it is turned
into UTC in the ``tz`` zone (default UTC) with
:func:`analysis.units.localize_wall_time`, and ``date`` is the wall date.
The GDPR JSON carries both ``startTimeGmt`` and ``startTimeLocal`` (epoch ms of
the wall time), so it gives each run's own offset and ``tz`` is only a
fallback.

Written by hand, and why: the CSV is split with the standard :mod:`csv` module
(quoted fields, CRLF, ``;`` re-saves), but numbers are parsed here because
pandas' ``read_csv`` takes one decimal and one thousands separator for the
whole file, while Garmin's files mix them by column; the header alias tables
are data, not code. The CSV has no activity id: its runs get
``garmin:<sha1-12 of the row text>``, so gear from the GDPR export (keyed by
activity id) can only be applied to runs read from the JSON.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import json
import math
import re
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import schema
from analysis.errors import RunlogError
from analysis.io.base import ReadResult, log_row
from analysis.units import (
    METRES_PER_FOOT,
    METRES_PER_MILE,
    local_date,
    localize_wall_time,
    parse_duration_s,
)

SOURCE_CSV = "garmin_csv"
SOURCE_JSON = "garmin_json"

#: English Garmin Connect CSV header -> canonical runs column (the other
#: languages are in :data:`HEADER_ALIASES`). ``Time`` stands in for
#: ``Moving Time`` when that column is missing or zero.
VARIABLE_MAP: dict[str, str] = {
    "Activity Type": "sport",
    "Date": "start_time",
    "Title": "name",
    "Distance": "distance_m",
    "Moving Time": "moving_time_s",
    "Time": "moving_time_s",
    "Elapsed Time": "elapsed_time_s",
    "Avg HR": "avg_heart_rate_bpm",
    "Avg Run Cadence": "avg_cadence_spm",
    "Total Ascent": "elevation_gain_m",
    "Avg Stride Length": "avg_step_length_mm",
    "Avg Vertical Ratio": "avg_vertical_ratio_pct",
    "Avg Vertical Oscillation": "avg_vertical_oscillation_mm",
}

#: GDPR ``summarizedActivitiesExport`` key -> canonical runs column, with the
#: factor from the file's unit (cm, ms, cm/stride) to the canonical one.
JSON_VARIABLE_MAP: dict[str, tuple[str, float]] = {
    "activityType": ("sport", 1.0),
    "startTimeGmt": ("start_time", 1.0),
    "name": ("name", 1.0),
    "distance": ("distance_m", 0.01),
    "movingDuration": ("moving_time_s", 0.001),
    "duration": ("moving_time_s", 0.001),
    "elapsedDuration": ("elapsed_time_s", 0.001),
    "avgHr": ("avg_heart_rate_bpm", 1.0),
    "avgDoubleCadence": ("avg_cadence_spm", 1.0),
    "elevationGain": ("elevation_gain_m", 0.01),
    "avgStrideLength": ("avg_step_length_mm", 10.0),
    "avgVerticalRatio": ("avg_vertical_ratio_pct", 1.0),
    "avgVerticalOscillation": ("avg_vertical_oscillation_mm", 10.0),
}

#: running-dynamics averages added to the runs frame after the canonical columns
EXTRA_RUN_COLUMNS: tuple[str, ...] = (
    "avg_step_length_mm",
    "avg_vertical_oscillation_mm",
    "avg_vertical_ratio_pct",
)

# ---------------------------------------------------------------------------
# Header aliases. Per field, names by language; "seen" = read in a real export
# (the Japanese names come from a third-party test fixture, not an export).
# ---------------------------------------------------------------------------
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "activity_type": (
        # seen: en, da, no, sv, de, fr, es, it, pt, nl, pl, hu, fi, ko, zh-Hans, ja
        "Activity Type", "Aktivitetstype", "Aktivitetstyp", "Aktivitätstyp", "Type d'activité",
        "Tipo de actividad", "Tipo di attività", "Tipo de atividade", "Activiteittype", "Typ aktywności",
        "Tevékenység típusa", "Suorituksen tyyppi", "활동 종류", "活动类型", "アクティビティタイプ",
        # not seen
        "Typ aktivity", "Vrsta dejavnosti", "Vrsta aktivnosti", "Tip activitate", "Tipul activității",
        "Τύπος δραστηριότητας", "Тип занятия", "Тип активности", "Тип активності", "Тип заняття",
        "Aktivite Türü", "Aktivite Tipi", "活動類型", "ประเภทกิจกรรม", "Jenis Aktivitas", "Jenis Aktiviti",
        "Loại hoạt động", "סוג פעילות", "نوع النشاط", "Activity type",
    ),
    "date": (
        # seen
        "Date", "Dato", "Datum", "Fecha", "Data", "Dátum", "Päiväys", "날짜", "日期", "日付",
        # not seen
        "Dată", "Ημερομηνία", "Дата", "Tarih", "วันที่", "Tanggal", "Tarikh", "Ngày", "תאריך", "التاريخ",
        "Päivämäärä", "Start Time", "Begin Timestamp",
    ),
    "title": (
        # seen
        "Title", "Titel", "Tittel", "Namn", "Titre", "Título", "Titolo", "Tytuł", "Cím", "Otsikko",
        "제목", "标题", "タイトル",
        # not seen
        "Název", "Názov", "Naslov", "Titlu", "Τίτλος", "Название", "Назва", "Başlık", "標題", "ชื่อ",
        "Judul", "Tajuk", "Tiêu đề", "Tên", "כותרת", "العنوان", "Activity Name", "Name",
    ),
    "distance": (
        # seen
        "Distance", "Distanse", "Distans", "Distanz", "Distancia", "Distanza", "Distância", "Afstand",
        "Dystans", "Távolság", "Matka", "거리", "距离", "距離",
        # not seen
        "Vzdálenost", "Vzdialenosť", "Razdalja", "Udaljenost", "Distanță", "Απόσταση", "Расстояние",
        "Дистанция", "Відстань", "Дистанція", "Mesafe", "ระยะทาง", "Jarak", "Quãng đường", "Khoảng cách",
        "מרחק", "المسافة", "Etäisyys",
    ),
    "time": (
        # seen
        "Time", "Activity Time", "Tid", "Zeit", "Durée", "Tiempo", "Tempo", "Tempo total", "Tijd", "Czas",
        "Idő", "Aika", "시간", "时间", "タイム",
        # not seen
        "Čas", "Vrijeme", "Timp", "Χρόνος", "Время", "Час", "Süre", "Zaman", "時間", "เวลา", "Waktu",
        "Masa", "Thời gian", "זמן", "الوقت", "Duration", "Dauer",
    ),
    "moving_time": (
        # seen
        "Moving Time", "Tid i bevegelse", "Färdtid", "Zeit in Bewegung", "Temps de déplacement",
        "Tiempo en movimiento", "Tempo in movimento", "Tempo em movimento", "Tijd bewogen", "Czas ruchu",
        "Menetidő", "이동 시간", "移动时间", "移動時間",
        # not seen
        "Tid i bevægelse", "Bevægelsestid", "Liikkumisaika", "Čas v pohybu", "Čas v pohybe",
        "Čas gibanja", "Vrijeme kretanja", "Timp în mișcare", "Χρόνος κίνησης", "Время в движении",
        "Час руху", "Hareket Süresi", "เวลาเคลื่อนที่", "Waktu Bergerak", "Masa Bergerak",
        "Thời gian di chuyển", "זמן תנועה", "وقت الحركة", "Tiempo en mov.",
    ),
    "elapsed_time": (
        # seen
        "Elapsed Time", "Medgått tid", "Total tid", "Verstrichene Zeit", "Temps écoulé",
        "Tiempo transcurrido", "Tempo trascorso", "Tempo transcorrido", "Verstreken tijd",
        "Upłynęło czasu", "Eltelt idő", "경과 시간", "全程耗时", "経過時間",
        # not seen
        "Forløbet tid", "Tempo decorrido", "Kulunut aika", "Uplynulý čas", "Uplynutý čas",
        "Pretečeni čas", "Proteklo vrijeme", "Timp scurs", "Χρόνος που πέρασε", "Прошедшее время",
        "Общее время", "Минулий час", "Загальний час", "Geçen Süre", "經過時間", "總耗時",
        "เวลาที่ผ่านไป", "Waktu Berlalu", "Masa Berlalu", "Thời gian trôi qua", "זמן שחלף",
        "الوقت المنقضي", "Czas upłynął",
    ),
    "avg_hr": (
        # seen
        "Avg HR", "Gennemsnitlig puls", "Gjennomsnittlig puls", "Medelpuls", "Ø Herzfrequenz",
        "Fréquence cardiaque moyenne", "Frecuencia cardiaca media", "FC Media", "FC Média", "Gem. HS",
        "Średnie tętno", "Átlagos pulzusszám", "평균 심박", "平均心率", "平均心拍数",
        # not seen
        "Keskisyke", "Průměrná tepová frekvence", "Prům. TF", "Priemerná srdcová frekvencia",
        "Povprečni srčni utrip", "Prosječni puls", "Prosječna brzina otkucaja srca", "Ritm cardiac mediu",
        "Puls mediu", "Μέσος καρδιακός ρυθμός", "Средняя ЧСС", "Средний пульс", "Середній пульс",
        "Середня ЧСС", "Ort. KAH", "Ortalama Kalp Atış Hızı", "อัตราการเต้นของหัวใจเฉลี่ย",
        "Rata-rata DJ", "Detak Jantung Rata-rata", "Kadar Denyutan Jantung Purata", "Nhịp tim trung bình",
        "דופק ממוצע", "متوسط معدل ضربات القلب", "Average Heart Rate", "Avg Heart Rate",
    ),
    "avg_run_cadence": (
        # seen
        "Avg Run Cadence", "Gennemsnit kadence løb", "Gjennomsnittlig frekvens for løping",
        "Gjennomsnittlig frekvens for loping", "Ø Schrittfrequenz (Laufen)", "Cadence de course moyenne",
        "Cadencia de carrera media", "Cadenza di corsa media", "Średni rytm biegu", "平均步频", "平均ピッチ",
        # not seen
        "Genomsnittlig löpkadens", "Medelkadens löpning", "Cadência média de corrida",
        "Gemiddelde hardloopcadans", "Gem. cadans hardlopen", "Keskimääräinen juoksurytmi",
        "Průměrná kadence běhu", "Priemerná kadencia behu", "Povprečna kadenca teka",
        "Prosječna kadenca trčanja", "Cadență medie de alergare", "Μέσος ρυθμός τρεξίματος",
        "Средняя частота шагов", "Середня частота кроків", "Ort. Koşu Ritmi", "Ortalama Koşu Kadansı",
        "평균 러닝 케이던스", "平均步頻", "รอบขาเฉลี่ยขณะวิ่ง", "Rata-rata Kadens Lari",
        "Kadens Larian Purata", "Nhịp chạy trung bình", "קצב ריצה ממוצע", "متوسط إيقاع الجري",
        "Átlagos futási lépésszám",
    ),
    "avg_cadence": (
        # seen: generic / bike / swim cadence headers that hold the run cadence (steps/min) on run rows
        "Avg Cadence", "Avg Bike Cadence", "Medelcykelkadens", "Átl. pedálütem", "Cadência bicicleta média",
        "Gem. slagen", "Gemiddelde fietscadans", "평균 수영 케이던스",
        # not seen
        "Avg Swim Cadence", "Ø Trittfrequenz", "Cadence moyenne", "Cadencia media", "Cadenza media",
        "Średnia kadencja", "平均踏频",
    ),
    "avg_pace": (
        # seen
        "Avg Pace", "Gennemsnitstempo", "Gjennomsnittlig tempo", "Ø Pace", "Allure moyenne", "Ritmo medio",
        "Passo medio", "Średnie tempo", "Átlagos tempó", "평균 페이스", "平均ペース", "Gemiddeld tempo",
        # not seen
        "Medeltempo", "Ritmo médio", "Keskivauhti", "Průměrné tempo", "Priemerné tempo",
        "Povprečni tempo", "Prosječni tempo", "Ritm mediu", "Μέσος ρυθμός", "Средний темп",
        "Середній темп", "Ort. Tempo", "平均配速", "เพซเฉลี่ย", "Rata-rata Kecepatan Lari",
        "Kadar Purata", "Tốc độ trung bình", "קצב ממוצע", "متوسط الوتيرة",
    ),
    "avg_speed": (
        # seen
        "Avg Speed", "Medelfart", "Keskinopeus", "Velocidade média", "Gemiddelde snelheid", "平均速度",
        # not seen
        "Ø Geschwindigkeit", "Vitesse moyenne", "Velocidad media", "Velocità media",
        "Gennemsnitlig hastighed", "Gjennomsnittlig hastighet", "Średnia prędkość", "Átlagsebesség",
        "평균 속도", "Průměrná rychlost", "Средняя скорость", "Ortalama Hız",
    ),
    "total_ascent": (
        # seen
        "Total Ascent", "Elev Gain", "Ascent", "Højdeforøgelse", "Total stigning", "Anstieg gesamt",
        "Ascension totale", "Ascenso total", "Ascesa totale", "Subida total", "Totale stijging", "Stijging",
        "Całkowity wznios", "Teljes emelkedés", "총 상승", "累计爬升", "総上昇量",
        # not seen
        "Kokonaisnousu", "Nousu", "Celkový výstup", "Celkové stúpanie", "Skupni vzpon", "Ukupni uspon",
        "Ascensiune totală", "Συνολική ανάβαση", "Общий подъем", "Общий подъём", "Загальний підйом",
        "Toplam Tırmanış", "總爬升", "การขึ้นทั้งหมด", "Total Pendakian", "Jumlah Pendakian",
        "Tổng độ cao leo", "סה\"כ עלייה", "إجمالي الصعود", "Elevation Gain",
    ),
    "avg_stride_length": (
        # seen
        "Avg Stride Length", "Gennemsnitlig skridtlængde", "Gjennomsnittlig skrittlengde", "Medelsteglängd",
        "Ø Schrittlänge", "Longueur moyenne des foulées", "Longitud media de zancada",
        "Lunghezza media passo", "Comprimento médio da passada", "Gem. staplengte", "Średnia długość kroku",
        "Átlagos lépéshossz", "Askeleen keskipituus", "평균 보폭", "平均步长", "平均歩幅",
        # not seen
        "Průměrná délka kroku", "Priemerná dĺžka kroku", "Средняя длина шага", "Середня довжина кроку",
        "Ort. Adım Uzunluğu", "平均步幅",
    ),
    "avg_vertical_ratio": (
        # seen
        "Avg Vertical Ratio", "Gennemsnitligt vertikalt forhold", "Gjennomsnittlig vertikalt forholdstall",
        "Durchschnittliches vertikales Verhältnis", "Rapport vertical moyen", "Relación vertical media",
        "Rapporto verticale medio", "Gemiddelde verticale ratio", "Średnie odchylenie do długości",
        "Keskipystysuhde", "평균 수직 비율", "平均垂直步幅比",
        # not seen
        "Relação vertical média", "Průměrný vertikální poměr", "Среднее вертикальное отношение",
    ),
    "avg_vertical_oscillation": (
        # seen
        "Avg Vertical Oscillation", "Gennemsnitligt vertikalt udsving",
        "Gjennomsnittlig vertikal oscillasjon",
        "Ø vertikale Bewegung", "Oscillation verticale moyenne", "Oscilación vertical media",
        "Oscillazione verticale media", "Gem. verticale oscillatie", "Średnie odchylenie pionowe",
        "Keskimääräinen pystysuuntainen liikehdintä", "평균 수직 진동", "平均垂直摆动",
        # not seen
        "Oscilação vertical média", "Průměrná vertikální oscilace", "Средние вертикальные колебания",
    ),
    "steps": (
        # seen
        "Steps", "Pasos", "Skritt", "Passos", "걸음", "步数", "ステップ",
        # not seen
        "Schritte", "Pas", "Passi", "Kroki", "Skridt", "Steg", "Stappen", "Askeleet", "Lépések", "Kroky",
        "Шаги", "Adımlar",
    ),
}

#: Garmin's running activity types (display names in each language, and the
#: 2017 / GDPR type keys) -> canonical sport. "seen" as above.
RUN_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "running": (
        # seen
        "Running", "running", "street_running", "Løb", "Løping", "Löpning", "Laufen", "Course à pied",
        "Carrera", "Corsa", "Corrida", "Hardlopen", "Bieganie", "Futás", "러닝", "跑步",
        # not seen
        "Street Running", "Road Running", "Straßenlauf", "Course sur route", "Carrera por asfalto",
        "Carrera en carretera", "Corsa su strada", "Corrida de rua", "Hardlopen op straat", "Gadeløb",
        "Gatlöpning", "Gateløping", "Juoksu", "Katujuoksu", "Bieganie po ulicy", "Běh", "Silniční běh",
        "Beh", "Cestný beh", "Tek", "Cestni tek", "Trčanje", "Cestovno trčanje", "Alergare",
        "Alergare pe stradă", "Utcai futás", "Τρέξιμο", "Τρέξιμο σε δρόμο", "Бег", "Бег по шоссе", "Біг",
        "Біг по шосе", "Koşu", "Yol Koşusu", "Cadde Koşusu", "ランニング", "ラン", "ロードランニング", "달리기",
        "도로 러닝", "路跑", "การวิ่ง", "วิ่ง", "Lari", "Lari Jalan Raya", "Larian", "Berlari", "Chạy bộ",
        "Chạy", "ריצה", "ריצת כביש", "الجري", "جري", "Run",
    ),
    "trail_running": (
        # seen
        "trail_running", "Trail Running", "트레일 러닝",
        # not seen
        "Trail Run", "Trailrunning", "Trail-Running", "Trail", "Carrera por montaña", "Trail running",
        "Corsa su sentiero", "Corrida em trilha", "Trailrun", "Trailløb", "Terrænløb", "Terränglöpning",
        "Trail-löpning", "Terrengløping", "Polkujuoksu", "Bieg terenowy", "Bieganie w terenie",
        "Bieganie trailowe", "Trailový běh", "Běh v terénu", "Trailový beh", "Beh v teréne",
        "Tek po brezpotjih", "Trail tek", "Trail trčanje", "Trčanje po stazama", "Alergare montană",
        "Alergare pe trasee", "Terepfutás", "Ορεινό τρέξιμο", "Τρέξιμο σε μονοπάτια", "Трейлраннинг",
        "Бег по пересеченной местности", "Трейл", "Трейлраннінг", "Трейловий біг", "Patika Koşusu",
        "Arazi Koşusu", "トレイルランニング", "トレイルラン", "越野跑", "越野跑步", "วิ่งเทรล", "Lari Trail",
        "Lari Lintas Alam", "Larian Denai", "Larian Trail", "Chạy địa hình", "Chạy trail", "ריצת שטח",
        "الجري على المسارات", "جري المسارات",
    ),
    "treadmill_running": (
        # seen
        "treadmill_running", "Treadmill Running", "Laufbandtraining", "Entrenamiento en cinta",
        "Corrida em esteira", "트레드밀 러닝", "跑步机",
        # not seen
        "indoor_running", "Indoor Running", "Treadmill", "Laufband", "Indoor-Laufen", "Laufen (Halle)",
        "Course sur tapis roulant", "Tapis de course", "Course en salle", "Course à pied en salle",
        "Carrera en cinta", "Carrera en interior", "Carrera bajo techo", "Corsa su tapis roulant",
        "Tapis roulant", "Corsa indoor", "Esteira", "Corrida indoor", "Corrida em ambiente fechado",
        "Hardlopen op loopband", "Loopband", "Indoor hardlopen", "Binnen hardlopen", "Løbebånd",
        "Løb på løbebånd", "Indendørs løb", "Löpband", "Löpning på löpband", "Inomhuslöpning",
        "Tredemølle", "Løping på tredemølle", "Innendørsløping", "Innendørs løping", "Juoksumatto",
        "Juoksumattojuoksu", "Sisäjuoksu", "Bieżnia mechaniczna", "Bieganie na bieżni mechanicznej",
        "Bieganie w pomieszczeniu", "Běžecký pás", "Běh na pásu", "Běh v hale", "Běh uvnitř",
        "Bežecký pás", "Beh na bežiacom páse", "Beh v interiéri", "Tekalna steza",
        "Tek na tekalni stezi", "Tek v zaprtih prostorih", "Trčanje na traci", "Trčanje u zatvorenom",
        "Alergare pe bandă", "Alergare în interior", "Futópad", "Futópados futás", "Beltéri futás",
        "Τρέξιμο σε διάδρομο", "Τρέξιμο σε εσωτερικό χώρο", "Беговая дорожка", "Бег на беговой дорожке",
        "Бег в помещении", "Бігова доріжка", "Біг на біговій доріжці", "Біг у приміщенні", "Koşu Bandı",
        "Koşu Bandında Koşu", "Kapalı Alanda Koşu", "İç Mekan Koşusu", "トレッドミル",
        "トレッドミルランニング", "室内ランニング", "インドアランニング", "트레드밀", "실내 러닝", "跑步机跑步",
        "室内跑步", "跑步機", "跑步機跑步", "室內跑步", "วิ่งบนลู่วิ่ง", "ลู่วิ่ง", "วิ่งในร่ม",
        "Lari Treadmill", "Lari Dalam Ruangan", "Larian Treadmill", "Larian Dalaman",
        "Chạy trên máy chạy bộ", "Máy chạy bộ", "Chạy trong nhà", "ריצה על הליכון", "הליכון",
        "ריצה בתוך מבנה", "الجري على جهاز المشي", "جهاز المشي", "الجري في الأماكن المغلقة",
    ),
    "track_running": (
        # seen
        "track_running", "Laufen auf der Bahn",
        # not seen
        "Track Running", "Track Run", "Bahnlauf", "Course sur piste", "Carrera en pista", "Corsa su pista",
        "Corrida em pista", "Baanlopen", "Hardlopen op de baan", "Hardlopen op een baan", "Baneløb",
        "Banlöpning", "Baneløping", "Ratajuoksu", "Bieganie na bieżni", "Bieg na bieżni", "Běh na dráze",
        "Beh na dráhe", "Tek na stezi", "Trčanje na stazi", "Alergare pe pistă", "Pályafutás",
        "Futás pályán", "Τρέξιμο σε στίβο", "Бег на стадионе", "Бег по стадиону", "Біг на стадіоні",
        "Pist Koşusu", "トラックランニング", "トラックラン", "트랙 러닝", "跑道跑步", "田径场跑步", "操场跑步",
        "田徑場跑步", "วิ่งบนลู่", "วิ่งในสนาม", "Lari Lintasan", "Lari di Lintasan", "Larian Trek",
        "Larian Balapan", "Chạy trên đường chạy", "Chạy điền kinh", "ריצת מסלול", "ריצה במסלול",
        "الجري على المضمار",
    ),
    "virtual_running": (
        "virtual_run", "Virtual Run", "Virtual Running", "Virtueller Lauf", "Course virtuelle",
        "Carrera virtual", "Corsa virtuale", "Corrida virtual", "Virtueel hardlopen", "Virtuele run",
        "Virtuelt løb", "Virtuell löpning", "Virtuell løping", "Virtuaalijuoksu", "Bieg wirtualny",
        "Wirtualne bieganie", "Virtuální běh", "Virtuálny beh", "Virtualni tek", "Virtualno trčanje",
        "Alergare virtuală", "Virtuális futás", "Εικονικό τρέξιμο", "Виртуальный бег",
        "Виртуальная пробежка", "Віртуальний біг", "Sanal Koşu", "バーチャルラン", "バーチャルランニング",
        "가상 러닝", "버추얼 런", "虚拟跑步", "虛擬跑步", "วิ่งเสมือนจริง", "Lari Virtual", "Larian Maya",
        "Larian Virtual", "Chạy ảo", "ריצה וירטואלית", "الجري الافتراضي",
    ),
    "ultra_running": (
        # seen
        "Ultra Running",
        # not seen
        "ultra_run", "Ultra Run", "Ultralauf", "Ultralaufen", "Course d'ultrafond", "Ultrafond",
        "Ultracarrera", "Carrera de ultrafondo", "Ultramaratona", "Corsa ultra", "Ultracorrida",
        "Ultralopen", "Ultrahardlopen", "Ultraløb", "Ultralöpning", "Ultraløping", "Ultrajuoksu",
        "Ultramaraton", "Bieg ultra", "Ultrabieganie", "Ultraběh", "Ultra běh", "Ultrabeh", "Ultra beh",
        "Ultra tek", "Ultra trčanje", "Alergare ultra", "Ultrafutás", "Υπερμαραθώνιος", "Ультрамарафон",
        "Ультрабег", "Ультрабіг", "Ultra Koşu", "ウルトラランニング", "ウルトラマラソン", "울트라 러닝",
        "超级马拉松", "超马", "超級馬拉松", "วิ่งอัลตร้า", "อัลตร้ามาราธอน", "Lari Ultra", "Larian Ultra",
        "Chạy siêu marathon", "Chạy ultra", "ריצת אולטרה", "الجري الفائق", "ألترا ماراثون",
    ),
}

#: Header rows of Garmin Connect CSV exports, one per language (en: the union
#: of the 2016-2026 layouts; es, da, fr, de, sv, no, pl, hu, nl, fi, ko,
#: zh-Hans, it, pt from real exports; ja from a third-party test fixture).
#: Their names are "known": columns this reader does not need are not
#: reported as unrecognised. Also the vocabulary of :func:`sniff_csv`.
KNOWN_HEADER_ROWS: tuple[str, ...] = (
    "Activity Type,Date,Favorite,Title,Distance,Calories,Time,Avg HR,Max HR,Aerobic TE,Avg Run Cadence,"
    "Max Run Cadence,Avg Pace,Best Pace,Total Ascent,Total Descent,Avg Stride Length,Avg Vertical Ratio,"
    "Avg Vertical Oscillation,Avg Ground Contact Time,Avg GCT Balance,Avg GAP,Normalized Power® (NP®),"
    "Training Stress Score®,Avg Power,Max Power,Grit,Flow,Avg. Swolf,Avg Stroke Rate,Total Reps,Total Sets,"
    "Dive Time,Min Temp,Surface Interval,Decompression,Best Lap Time,Number of Laps,Max Temp,Moving Time,"
    "Elapsed Time,Min Elevation,Max Elevation,Steps,Body Battery Drain,Total Strokes,Avg Resp,Min Resp,"
    "Max Resp,Avg Stress,Max Stress,Avg Bike Cadence,Max Bike Cadence,Avg Speed,Max Speed,Avg Cadence,"
    "Max Cadence,Ascent,Elev Gain,Elev Loss,Activity Time,Climb Time,Bottom Time,Water Type,Total Poses,"
    "Max Depth,Max Avg Power (20 min),L/R Balance",
    "Tipo de actividad,Fecha,Favorito,Título,Distancia,Calorías,Tiempo,Frecuencia cardiaca media,"
    "FC máxima,TE aeróbico,Cadencia de carrera media,Cadencia de carrera máxima,Ritmo medio,Ritmo óptimo,"
    "Ascenso total,Descenso total,Longitud media de zancada,Relación vertical media,"
    "Oscilación vertical media,Tiempo medio de contacto con el suelo,GAP medio,Potencia media,"
    "Potencia máxima,Pasos,Temperatura mínima,Descompresión,Mejor tiempo de vuelta,Número de vueltas,"
    "Temperatura máxima,Tiempo en movimiento,Tiempo transcurrido,Altura mínima,Altura máxima",
    "Aktivitetstype,Dato,Favorit,Titel,Distance,Kalorier,Tid,Gennemsnitlig puls,Maks. puls,"
    "Gennemsnit kadence løb,Maksimum kadence løb,Gennemsnitstempo,Bedste tempo,Højdeforøgelse,"
    "Højdereduktion,Gennemsnitlig skridtlængde,Gennemsnitligt vertikalt forhold,"
    "Gennemsnitligt vertikalt udsving,Hårdhed,Flow,Bundtid,Minimum temperatur,Overfladeinterval,"
    "Dekompression,Tid for bedste omgang,Antal løb,Maksimum temperatur",
    "Type d'activité,Date,Favori,Titre,Distance,Calories,Durée,Fréquence cardiaque moyenne,"
    "Fréquence cardiaque maximale,TE aérobie,Cadence de course moyenne,Cadence de course maximale,"
    "Allure moyenne,Meilleure allure,Ascension totale,Descente totale,Longueur moyenne des foulées,"
    "Rapport vertical moyen,Oscillation verticale moyenne,Temps de contact moyen avec le sol,"
    "Equilibre TCS moyen,Training Stress Score® (TSS®),Puissance moy.,Puissance max.,Difficulté,Constance,"
    "Nombre total de coups,SWOLF moyen,Fréquence moy. des coups,Total répétitions,Total séries,"
    "Temps de plongée,Température minimale,Intervalle à la surface,Décompression,Temps du meilleur circuit,"
    "Nombre de tours,Température maximale,Fréquence respiratoire moyenne,Fréquence respiratoire minimale,"
    "Fréquence respiratoire maximale,Temps de déplacement,Temps écoulé,Altitude minimale,Altitude maximale",
    "Aktivitätstyp,Datum,Favorit,Titel,Distanz,Kalorien,Zeit,Ø Herzfrequenz,Maximale Herzfrequenz,"
    "Ø Schrittfrequenz (Laufen),Max. Schrittfrequenz (Laufen),Ø Pace,Beste Pace,Anstieg gesamt,"
    "Abstieg gesamt,Ø Schrittlänge,Durchschnittliches vertikales Verhältnis,Ø vertikale Bewegung,"
    "Ø Bodenkontaktzeit,Ø Leistung,Max. Leistung,Grit,Flow,Ø Swolf,Ø Schlagrate,Wiederholungen insgesamt,"
    "Tauchzeit,Minimale Temperatur,Oberflächenpause,Dekompression,Beste Rundenzeit,Anzahl der Runden,"
    "Maximale Temperatur,Zeit in Bewegung,Verstrichene Zeit,Minimale Höhe,Maximale Höhe",
    "Aktivitetstyp,Datum,Favorit,Namn,Distans,Kalorier,Tid,Medelpuls,Maxpuls,Medelcykelkadens,"
    "Maximal cykelkadens,Medelfart,Maxfart,Total stigning,Totalt nedför,Medelsteglängd,"
    "Totalt antal årtag,Medel-Swolf,Medelårtagstempo,Dekompression,Bästa varvtid,Antal varv,"
    "Genomsnittlig andning,Minsta andningshastighet,Maximal andningshastighet,Stressändring,"
    "Start för stress,Slut för stress,Medestress,Maxbelastning,Färdtid,Total tid,Min. höjd,Max. höjd",
    "Aktivitetstype,Dato,Favoritt,Tittel,Distanse,Totale kalorier,Tid,Gjennomsnittlig puls,Makspuls,"
    "Aerob treningseffekt,Gjennomsnittlig frekvens for løping,Maksimal frekvens for løping,"
    "Gjennomsnittlig tempo,Beste tempo,Total stigning,Totalt fall,Gjennomsnittlig skrittlengde,"
    "Gjennomsnittlig vertikalt forholdstall,Gjennomsnittlig vertikal oscillasjon,"
    "Gjennomsnittlig tid med bakkekontakt,Gj.sn. TMB-balanse,Totalt antall tak,Gjennomsnittlig Swolf,"
    "Gjennomsnittlig tempo for tak,Skritt,Dekompresjon,Beste rundetid,Antall runder,Tid i bevegelse,"
    "Medgått tid,Minste høyde,Maksimal høyde,Gjennomsnittlig balanse for tid med bakkekontakt,"
    "Gjennomsnittlig kraft,Maksimal kraft,Vanskelighetsgrad,Flyt,Totalt antall repetisjoner,Dykketid,"
    "Minimumstemperatur,Overflateintervall,Makstemperatur",
    "Typ aktywności,Data,Ulubiony,Tytuł,Dystans,Kalorie,Czas,Średnie tętno,Maksymalne tętno,Aerobowy TE,"
    "Średni rytm biegu,Maksymalny rytm biegu,Średnie tempo,Najlepsze tempo,Całkowity wznios,"
    "Całkowity spadek,Średnia długość kroku,Średnie odchylenie do długości,Średnie odchylenie pionowe,"
    "Training Stress Score® (TSS®),Trudność,Płynność,Czas nurkowania,Minimalna temperatura,"
    "Przerwa powierzchniowa,Dekompresja,Czas najlepszego okrążenia,Liczba okrążeń,Maksymalna temperatura,"
    "Czas ruchu,Upłynęło czasu,Minimalna wysokość,Maksymalna wysokość,Suma kalorii",
    "Tevékenység típusa,Dátum,Kedvenc,Cím,Távolság,Kalóriaszám,Idő,Átlagos pulzusszám,Max. pulzus,"
    "Átl. pedálütem,Max. pedálütem,Átlagos tempó,Legjobb tempó,Teljes emelkedés,Teljes süllyedés,"
    "Átlagos lépéshossz,Teljes csapásszám,Lépések,Összes ismétlés,Összes szett,Dekompressziós,"
    "Legjobb köridő,Körök száma,Ált. légzés,Min. légzés,Max. légzés,Stresszadatok változása,Kezdő stressz,"
    "Befejező stressz,Átl. stressz,Max. stressz,Menetidő,Eltelt idő,Minimális magasság,Maximális magasság",
    "Activiteittype,Datum,Favoriet,Titel,Afstand,Calorieën,Tijd,Gem. HS,Max. HS,Aeroob TE,Gem. slagen,[],"
    "Gemiddeld tempo,Beste tempo,Stijging,Hoogteverlies,Gem. staplengte,Gemiddelde verticale ratio,"
    "Gem. verticale oscillatie,Gem. grondcontacttijd,Gem. GCT balans,L/R-balans,"
    "Maximaal gemiddeld vermogen (20 min),Vermogen,Max. vermogen,Totaal slagen,Gemiddelde Swolf,"
    "Gem. slagsnelheid,Max diepte,Bodemtijd,Minimale watertemperatuur,Gastype,Oppervlakte-interval,"
    "Decompressie,Gewicht,Stroming,Oppervlakteomstandigheden,Watertype",
    "Suorituksen tyyppi,Päiväys,Suosikki,Otsikko,Matka,Kalorit,Aika,Keskinopeus,Askeleen keskipituus,"
    "Keskipystysuhde,Keskimääräinen pystysuuntainen liikehdintä,Vaikeus,Kulku,Pohja-aika,Minimilämpötila,"
    "Pinta-aika,Paineentasaus,Paras kierrosaika,Juoksujen määrä,Maksimilämpötila",
    "활동 종류,날짜,즐겨찾기,제목,거리,칼로리,시간,평균 심박,최대심박,유산소 훈련 효과,평균 수영 케이던스,"
    "최고 수영 케이던스,평균 페이스,최대 페이스,총 상승,총 하강,평균 보폭,평균 수직 비율,평균 수직 진동,"
    "평균 지면 접촉 시간,평균 GAP,최대 평균파워(20분),평균 파워,최대 파워,총 스트로크,평균 Swolf,"
    "평균 스트로크 속도,걸음,총 반복 횟수,총 세트,바디 배터리 방전,최저 온도,감압,최고 랩 기록,랩 수,최고 온도,"
    "평균 응답,최소 응답,최대 응답,평균 스트레스,최대 스트레스,이동 시간,경과 시간,최저 해발,최고 해발",
    "活动类型,日期,我的最爱,标题,距离,热量消耗,时间,平均心率,最大心率,有氧效果,平均步频,最高步频,平均速度,"
    "最佳配速,累计爬升,累计下降,平均步长,平均垂直步幅比,平均垂直摆动,平均触地时间,平均坡度调整配速,平均功率,"
    "最大功率,步数,体能消耗,减压,最佳单圈时间,圈数,移动时间,全程耗时,最低海拔,最高海拔",
    "Tipo di attività,Data,Preferita,Titolo,Distanza,Calorie,Tempo,FC Media,FC max,TE attività aerobica,"
    "Cadenza di corsa media,Cadenza di corsa max,Passo medio,Passo migliore,Ascesa totale,Discesa totale,"
    "Lunghezza media passo,Rapporto verticale medio,Oscillazione verticale media,"
    "Tempo medio di contatto con il suolo,Potenza media,Potenza max,Swolf medio,Frequenza media vogate,"
    "Ripetizioni totali,Tempo di immersione,Temperatura min,Intervallo di superficie,Decompressione,"
    "Tempo Lap migliore,Numero di Lap,Temperatura max,Tempo in movimento,Tempo trascorso,Quota minima,"
    "Quota massima",
    "Tipo de atividade,Data,Favorito,Título,Distância,Calorias,Tempo total,FC Média,FC máxima,"
    "Cadência bicicleta média,Cadência de bicicleta máxima,Velocidade média,Velocidade máxima,Subida total,"
    "Descida total,Comprimento médio da passada,Passos,Descompressão,Tempo da melhor volta,"
    "Número de voltas,Tempo em movimento,Tempo transcorrido,Elevação mínima,Elevação máxima",
    "アクティビティタイプ,日付,お気に入り,タイトル,距離,カロリー,タイム,平均心拍数,最大心拍数,平均ピッチ,"
    "最高ピッチ,平均ペース,最高ペース,総上昇量,総下降量,平均歩幅,ステップ,減圧,ベストラップタイム,ラップ数,"
    "移動時間,経過時間,最低高度,最高高度",
)

# Running word stems and exclusions for activity types missing from the table.
_RUN_STEMS: tuple[str, ...] = (
    "run", "lauf", "løb", "löp", "løp", "juoks", "bieg", "běh", "hardlo", "futás", "trčan", "alerg", "corsa",
    "corrida", "carrera", "course à pied", "τρεξ", "τρέχ", "бег", "біг", "koşu", "ランニング", "跑", "러닝",
    "달리", "วิ่ง", "lari", "chạy", "ריצ", "جري",
)
_NOT_RUN_STEMS: tuple[str, ...] = (
    "ski", "sci", "langlauf", "narciar", "lyž", "hiiht", "längd", "skat", "bike", "cycl", "rad", "swim",
    "schwimm", "walk", "wander", "hik", "лыж", "лиж", "滑雪", "스키", "スキー", "row", "wheelchair",
    "rollstuhl", "obstacle", "hindernis", "hjul", "scoot", "roller",
)

# ---------------------------------------------------------------------------
# Normalisation and lookup tables
# ---------------------------------------------------------------------------
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_UNIT_SUFFIX = re.compile(
    r"\s*[(\[]\s*(km|kilometers?|kilometres?|mi|miles?|m|meters?|metres?|ft|feet)\s*[)\]]\s*$", re.IGNORECASE
)
_UNIT_WORDS = {
    "km": "km", "kilometer": "km", "kilometers": "km", "kilometre": "km", "kilometres": "km",
    "mi": "mi", "mile": "mi", "miles": "mi", "m": "m", "meter": "m", "meters": "m", "metre": "m",
    "metres": "m", "ft": "ft", "feet": "ft",
}


def _norm(text: object) -> str:
    """Case-, accent- and punctuation-free form of a header or activity type."""
    s = unicodedata.normalize("NFKD", str(text).casefold())
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).translate(_FOLD)
    return "".join(ch for ch in s if ch.isalnum())


def _build_lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, names in table.items():
        for name in names:
            n = _norm(name)
            if n and out.setdefault(n, key) != key:
                raise ValueError(f"alias {name!r} maps to both {out[n]} and {key}")
    return out


_HEADER_LOOKUP = _build_lookup(HEADER_ALIASES)
_RUN_LOOKUP = _build_lookup(RUN_TYPE_ALIASES)
_KNOWN_HEADERS = frozenset(_norm(h) for row in KNOWN_HEADER_ROWS for h in row.split(",")) | frozenset(
    _HEADER_LOOKUP
)
_RUN_STEMS_N = tuple(_norm(s) for s in _RUN_STEMS)
_NOT_RUN_STEMS_N = tuple(_norm(s) for s in _NOT_RUN_STEMS)
_TYPE_HEADERS = frozenset(_norm(h) for h in HEADER_ALIASES["activity_type"])
_DATE_HEADERS = frozenset(_norm(h) for h in HEADER_ALIASES["date"])

#: canonical sport of each GDPR type key handled by the JSON reader
JSON_RUN_TYPES: dict[str, str] = {
    "running": "running",
    "trail_running": "trail_running",
    "treadmill_running": "treadmill_running",
    "track_running": "track_running",
    "street_running": "running",
    "indoor_running": "treadmill_running",
    "virtual_run": "virtual_running",
    "ultra_run": "ultra_running",
}


def classify_activity_type(value: object) -> tuple[str | None, str]:
    """Canonical run sport of a Garmin activity type in any language, or None.

    Parameters
    ----------
    value : str
        The activity-type cell (``Løb``, ``Laufbandtraining``, ``street_running``...).

    Returns
    -------
    sport : str or None
        A canonical run sport (schema.RUN_SPORTS), or None for a non-run.
    how : str
        ``"table"`` when found in :data:`RUN_TYPE_ALIASES`, ``"keyword"`` when
        taken as a run by a running word stem, ``""`` for a non-run.
    """
    n = _norm(value)
    if not n:
        return None, ""
    if n in _RUN_LOOKUP:
        return _RUN_LOOKUP[n], "table"
    if any(s in n for s in _NOT_RUN_STEMS_N):
        return None, ""
    if any(s in n for s in _RUN_STEMS_N):
        return "running", "keyword"
    return None, ""


# ---------------------------------------------------------------------------
# Reading bytes and text
# ---------------------------------------------------------------------------
def _read_bytes(source: str | Path | bytes, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), name or "<bytes>"
    label = name or str(source)
    try:
        return Path(source).read_bytes(), label
    except OSError as exc:
        raise RunlogError(f"cannot read file: {exc.strerror or exc}", path=label) from exc


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252 (Excel on Windows)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


# ---------------------------------------------------------------------------
# Cell parsing
# ---------------------------------------------------------------------------
_MISSING = frozenset({"", "--", "nan", "none", "null", "n/a", "na", "-", "—"})
_DEC_COMMA = re.compile(r"^[-+]?\d+,\d{1,2}$")
_DEC_POINT = re.compile(r"^[-+]?\d+\.\d{1,2}$")
_GROUPED_COMMA = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_GROUPED_POINT = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_SPACE_GROUP = re.compile(r"(?<=\d)[\s\u00a0\u202f](?=\d{3}(?:\D|$))")
_HMS = re.compile(r"^\d+:\d{1,2}:\d{1,2}(?:[.,]\d+)?$")


def _clean(cell: object) -> str:
    s = str(cell).strip().strip('"').strip()
    if s.startswith("'"):
        s = s[1:].strip()
    return _SPACE_GROUP.sub("", s)


def _is_missing(s: str) -> bool:
    return s.casefold() in _MISSING or (bool(s) and set(s) <= set("-:. "))


def parse_number(cell: object, comma_decimal: bool = False, dot_thousands: bool = False) -> float:
    """A Garmin CSV number, NaN when missing.

    Parameters
    ----------
    cell : str
        The cell as written (``"8,966"``, ``"5,81"``, ``"2.932"``, ``"'-3"``, ``"--"``).
    comma_decimal : bool
        The column uses decimal commas: every comma is a decimal separator.
        Otherwise a comma followed by exactly three digits groups thousands.
    dot_thousands : bool
        The file uses decimal commas, so a dot followed by exactly three digits
        groups thousands.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When the cell is not a number.
    """
    s = _clean(cell)
    if _is_missing(s):
        return float("nan")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        s = s.replace(",", "") if (not comma_decimal and _GROUPED_COMMA.match(s)) else s.replace(",", ".")
    elif "." in s and dot_thousands and _GROUPED_POINT.match(s):
        s = s.replace(".", "")
    return float(s)


def _parse_duration(cell: object) -> float:
    s = _clean(cell)
    return float("nan") if _is_missing(s) else parse_duration_s(s)


_CLOCK = r"(?:(?:,?\s+|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([ap]\.?m\.?)?)?$"
_DATE_FORMS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _CLOCK, re.I), "ymd"),
    (re.compile(r"^(\d{1,2})[.-](\d{1,2})[.-](\d{4})" + _CLOCK, re.I), "dmy"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _CLOCK, re.I), "slash"),
)


def parse_wall_times(cells: Iterable[object]) -> pd.Series:
    """Local wall-clock start times as written in a Garmin CSV, NaT when unreadable.

    Accepts ``2025-09-19 07:36:32`` (Garmin), ``11.07.2025 16:58`` (Excel,
    day first), ``7/4/2020 15:36`` (Excel with slashes: day first if any first
    number exceeds 12 in the column, else month first) and 12-hour clocks.

    Parameters
    ----------
    cells : iterable of str

    Returns
    -------
    Series of datetime64[ns] (naive)
    """
    cells = [_clean(c) for c in cells]
    parts: list[tuple | None] = []
    for s in cells:
        got = None
        for pattern, order in _DATE_FORMS:
            m = pattern.match(s)
            if m:
                got = (order, m.groups())
                break
        parts.append(got)
    slash_dayfirst = any(p is not None and p[0] == "slash" and int(p[1][0]) > 12 for p in parts)
    iso: list[str | None] = []
    for p in parts:
        if p is None:
            iso.append(None)
            continue
        order, g = p
        a, b, c = g[0], g[1], g[2]
        if order == "ymd":
            y, mo, d = a, b, c
        elif order == "dmy" or (order == "slash" and slash_dayfirst):
            d, mo, y = a, b, c
        else:
            mo, d, y = a, b, c
        h, mm, ss, ampm = int(g[3] or 0), int(g[4] or 0), int(g[5] or 0), g[6]
        if ampm:
            h = h % 12 + (12 if ampm.lower().startswith("p") else 0)
        iso.append(f"{int(y):04d}-{int(mo):02d}-{int(d):02d} {h:02d}:{mm:02d}:{ss:02d}")
    return pd.to_datetime(pd.Series(iso, dtype="object"), format="%Y-%m-%d %H:%M:%S", errors="coerce")


# ---------------------------------------------------------------------------
# Header layout
# ---------------------------------------------------------------------------
@dataclass
class _Layout:
    """Which columns hold which field (several candidates coalesce in order)."""

    columns: dict[str, list[int]] = field(default_factory=dict)
    header_units: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _map_header(header: list[str]) -> _Layout:
    lay = _Layout()
    for i, raw in enumerate(header):
        text = str(raw).strip().lstrip("\ufeff")
        unit = None
        m = _UNIT_SUFFIX.search(text)
        if m:
            unit = _UNIT_WORDS[m.group(1).lower()]
            text = text[: m.start()]
        n = _norm(text)
        key = _HEADER_LOOKUP.get(n)
        if key is None:
            if n not in _KNOWN_HEADERS:
                lay.unknown.append(str(raw).strip())
            continue
        lay.columns.setdefault(key, []).append(i)
        if unit and key not in lay.header_units:
            lay.header_units[key] = unit
    return lay


def _column(rows: list[list[str]], j: int) -> list[str]:
    return [r[j] if j < len(r) else "" for r in rows]


def _guess_columns(header: list[str], rows: list[list[str]], lay: _Layout) -> None:
    """Identify needed columns with unknown headers by their values (notes in ``lay``)."""
    used = {j for cols in lay.columns.values() for j in cols}
    unknown = [j for j, h in enumerate(header) if j not in used and str(h).strip() in set(lay.unknown)]
    if not rows:
        return

    def values(j: int) -> list[str]:
        return [c for c in (_clean(x) for x in _column(rows, j)) if not _is_missing(c)]

    def numeric(vals: list[str]) -> list[float]:
        out = []
        for v in vals:
            with contextlib.suppress(ValueError):
                out.append(parse_number(v))
        return out

    def take(key: str, j: int, how: str) -> None:
        name = str(header[j]).strip()
        lay.columns[key] = [j]
        unknown.remove(j)
        if name in lay.unknown:
            lay.unknown.remove(name)
        lay.notes.append(f"column '{name}' read as {how} by its values")

    if "activity_type" not in lay.columns and 0 in unknown:
        vals = values(0)
        if vals and len(numeric(vals)) < 0.2 * len(vals):
            take("activity_type", 0, "activity type")
    if "date" not in lay.columns:
        for j in list(unknown):
            vals = values(j)
            if vals and parse_wall_times(vals).notna().mean() >= 0.8:
                take("date", j, "start date")
                break
    if "title" not in lay.columns:
        for j in [j for j in unknown if j < 6]:
            vals = values(j)
            low = {v.casefold() for v in vals}
            if vals and len(numeric(vals)) < 0.2 * len(vals) and not low <= {"true", "false", "0", "1"}:
                take("title", j, "title")
                break
    if "distance" not in lay.columns:
        for j in list(unknown):
            vals = values(j)
            nums = [x for x in numeric(vals) if x > 0]
            two_dec = sum(bool(_DEC_POINT.match(v) or _DEC_COMMA.match(v)) for v in vals)
            if nums and two_dec >= 0.8 * len(vals) and 1.5 < statistics.median(nums) < 100:
                take("distance", j, "distance")
                break
    if "time" not in lay.columns and "moving_time" not in lay.columns:
        for j in list(unknown):
            vals = values(j)
            if vals and sum(bool(_HMS.match(v)) for v in vals) >= 0.8 * len(vals):
                take("time", j, "duration")
                break


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------
def _positive(x: float | None) -> float | None:
    return x if x is not None and not math.isnan(x) and x > 0 else None


def _infer_distance_unit(parsed: list[dict]) -> tuple[str, str]:
    """'km' or 'mi' from the stride length (or else the pace) of the runs, and how it was decided.

    Garmin's average stride length is distance / steps in metres whatever the
    unit setting, so ``steps x stride / distance`` (or ``stride x cadence x
    minutes / distance``) is the number of metres in one distance unit.
    """
    ratios = []
    for p in parsed:
        d, stride = _positive(p.get("distance")), _positive(p.get("avg_stride_length"))
        if d is None or stride is None:
            continue
        steps = _positive(p.get("steps"))
        minutes = (_positive(p.get("moving_time")) or _positive(p.get("time")) or 0.0) / 60.0
        cadence = _positive(p.get("avg_cadence"))
        if steps is not None:
            ratios.append(steps * stride / d)
        elif minutes and cadence is not None:
            ratios.append(stride * cadence * minutes / d)
    if ratios:
        med = statistics.median(ratios)
        if 800 <= med <= 1250:
            return "km", "stride length"
        if 1350 <= med <= 2000:
            return "mi", f"stride length: {med:.0f} m per distance unit"
    paces = []
    for p in parsed:
        pace = _positive(p.get("avg_pace"))
        d, t = _positive(p.get("distance")), _positive(p.get("moving_time")) or _positive(p.get("time"))
        if pace is None and d is not None and t is not None:
            pace = t / d
        if pace is not None:
            paces.append(pace)
    if paces:
        med = statistics.median(paces)
        if med >= 540:
            return "mi", f"median run pace {int(med // 60)}:{int(med % 60):02d} per unit"
    return "km", "default"


def _nan_to_na(x: float | None, zero_is_missing: bool = False):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return pd.NA
    if zero_is_missing and x == 0:
        return pd.NA
    return x


# ---------------------------------------------------------------------------
# CSV reader
# ---------------------------------------------------------------------------
_NUMERIC_FIELDS = (
    "distance", "avg_hr", "avg_run_cadence", "avg_cadence", "total_ascent", "avg_stride_length",
    "avg_vertical_ratio", "avg_vertical_oscillation", "steps",
)
_DURATION_FIELDS = ("time", "moving_time", "elapsed_time", "avg_pace")


class _RowError(ValueError):
    """A data row that cannot be read (the reason is the message)."""


@dataclass
class _Table:
    """A Garmin CSV split into records, with its column layout and number style."""

    header: list[str]
    rows: list[list[str]]
    layout: _Layout
    comma_cols: set[int]
    file_comma: bool
    walls: list = field(default_factory=list)  # parsed start (wall time) per row, NaT if unreadable

    @classmethod
    def read(cls, data: bytes, label: str) -> _Table:
        text = _decode(data).lstrip("\ufeff")
        if not text.strip():
            raise RunlogError("empty file", path=label)
        delimiter = _delimiter(re.split(r"[\r\n]", text, maxsplit=1)[0])
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise RunlogError(f"not a readable CSV: {exc}", path=label) from exc
        header, rows = records[0], records[1:]
        layout = _map_header(header)
        _guess_columns(header, [r for r in rows if any(c.strip() for c in r)], layout)
        for key, what in (("activity_type", "activity-type"), ("date", "date")):
            if key not in layout.columns:
                shown = delimiter.join(header)[:120]
                raise RunlogError(f"no {what} column found in the Garmin CSV header: {shown}", path=label)
        cleaned = [[_clean(c) for c in r] for r in rows]
        comma_cols = {j for j in range(len(header)) if any(_DEC_COMMA.match(c) for c in _column(cleaned, j))}
        n_comma = sum(bool(_DEC_COMMA.match(c)) for r in cleaned for c in r)
        n_point = sum(bool(_DEC_POINT.match(c)) for r in cleaned for c in r)
        table = cls(header, rows, layout, comma_cols, n_comma > n_point)
        # parsed as one column, so that day-first or month-first is decided for the whole file
        table.walls = list(parse_wall_times([(table.cell(r, "date") or ("",))[0] for r in rows]))
        return table

    def cell(self, rec: list[str], key: str) -> tuple[str, int] | None:
        """First non-missing cell of a field's candidate columns, and its column."""
        for j in self.layout.columns.get(key, ()):
            if j < len(rec) and not _is_missing(_clean(rec[j])):
                return rec[j], j
        return None

    def parse_run(self, k: int) -> dict:
        """The values of run row ``k`` in the file's own units (NaN = missing).

        Raises
        ------
        _RowError
            A date or number that cannot be read.
        """
        rec = self.rows[k]
        out: dict = {}
        for key in _NUMERIC_FIELDS + _DURATION_FIELDS + ("avg_speed",):
            got = self.cell(rec, key)
            if got is None:
                continue
            value, j = got
            try:
                if key == "avg_speed":
                    if ":" in value:  # run rows carry a pace in the speed column
                        out.setdefault("avg_pace", _parse_duration(value))
                elif key in _DURATION_FIELDS:
                    out[key] = _parse_duration(value)
                else:
                    comma = j in self.comma_cols
                    out[key] = parse_number(value, comma, self.file_comma or comma)
            except ValueError:
                raise _RowError(f"unreadable {str(self.header[j]).strip()} '{_clean(value)}'") from None
        if not math.isnan(out.get("avg_run_cadence", math.nan)):
            out["avg_cadence"] = out["avg_run_cadence"]
        got = self.cell(rec, "date")
        if got is None:
            raise _RowError("no date")
        out["wall"] = self.walls[k]
        if pd.isna(out["wall"]):
            raise _RowError(f"unreadable date '{_clean(got[0])}'")
        title = self.cell(rec, "title")
        out["title"] = title[0].strip() if title else None
        return out


def _units_and_notes(table: _Table, parsed: list[dict], units: str | None) -> tuple[str, str, list[str]]:
    """Distance unit, elevation unit, and the notes every imported row's log reason carries."""
    lay = table.layout
    notes = list(lay.notes)
    if units is not None:
        dist_unit = units
    elif lay.header_units.get("distance") in ("km", "mi"):
        dist_unit = lay.header_units["distance"]
    else:
        dist_unit, how = _infer_distance_unit(parsed)
        if dist_unit == "mi" or (how == "default" and parsed and "distance" in lay.columns):
            notes.append(f"distances read as {dist_unit} ({how}; pass units= to override)")
    elev_unit = lay.header_units.get("total_ascent") or ("ft" if dist_unit == "mi" else "m")
    if lay.unknown:
        shown = ", ".join(f"'{h}'" for h in lay.unknown[:6])
        more = f" (+{len(lay.unknown) - 6} more)" if len(lay.unknown) > 6 else ""
        notes.append(f"unrecognised columns: {shown}{more}")
    if "distance" not in lay.columns:
        notes.append("no distance column found")
    if "time" not in lay.columns and "moving_time" not in lay.columns:
        notes.append("no duration column found")
    return dist_unit, elev_unit, notes


def _scaled(value: float | None, factor: float, zero_is_missing: bool = False):
    return _nan_to_na(None if value is None else value * factor, zero_is_missing)


def _csv_run_record(p: dict, dist_unit: str, elev_unit: str) -> dict:
    """Canonical runs columns of a parsed row (file units -> canonical units)."""
    moving = p.get("moving_time")
    if moving is None or math.isnan(moving) or moving <= 0:
        moving = p.get("time")
    return {
        "wall": p["wall"],
        "name": p["title"] or pd.NA,
        "distance_m": _scaled(p.get("distance"), 1000.0 if dist_unit == "km" else METRES_PER_MILE),
        "moving_time_s": _nan_to_na(moving, zero_is_missing=True),
        "elapsed_time_s": _nan_to_na(p.get("elapsed_time"), zero_is_missing=True),
        "avg_heart_rate_bpm": _nan_to_na(p.get("avg_hr"), zero_is_missing=True),
        "avg_cadence_spm": _nan_to_na(p.get("avg_cadence"), zero_is_missing=True),
        "elevation_gain_m": _scaled(p.get("total_ascent"), 1.0 if elev_unit == "m" else METRES_PER_FOOT),
        "avg_step_length_mm": _scaled(p.get("avg_stride_length"), 1000.0, True),
        "avg_vertical_oscillation_mm": _scaled(
            p.get("avg_vertical_oscillation"), 25.4 if dist_unit == "mi" else 10.0, True
        ),
        "avg_vertical_ratio_pct": _nan_to_na(p.get("avg_vertical_ratio"), True),
    }


def read_garmin_csv(
    source: str | Path | bytes,
    *,
    tz=None,
    name: str | None = None,
    units: str | None = None,
) -> ReadResult:
    """Read a Garmin Connect ``Activities.csv`` ("All Activities" -> Export CSV).

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its bytes (a member of a zip).
    tz : str, optional
        IANA time zone of the ``Date`` column's wall times (default UTC).
    name : str, optional
        File name to write in the import log when ``source`` is bytes.
    units : {'km', 'mi'}, optional
        The account's distance unit; by default read from the header or
        inferred (module docstring, "Units"). Elevation follows: m or ft.

    Returns
    -------
    ReadResult
        ``runs`` (source ``garmin_csv``; ``activity_id`` = ``garmin:<sha1-12 of
        the row>``; no gear: the CSV has none; running-dynamics averages in
        ``avg_step_length_mm``, ``avg_vertical_oscillation_mm``,
        ``avg_vertical_ratio_pct``), no samples, and one log row per data row
        (``row`` = spreadsheet row, header = 1): imported, not_a_run (with the
        activity type), duplicate (the same row twice) or failed (with why).

    Raises
    ------
    RunlogError
        Empty file, or no activity-type or date column found.

    Notes
    -----
    Distance km or mi -> m; elevation m or ft -> m; durations ``h:mm:ss`` ->
    s; ``Avg Run Cadence`` is already steps/min; stride length m -> mm;
    vertical oscillation cm (in for miles) -> mm. ``moving_time_s`` is
    ``Moving Time``, or ``Time`` where that is missing or zero. Zero heart
    rate, cadence and running dynamics mean "no sensor" and become NA.

    References
    ----------
    FORMATS.md, "Garmin Connect web CSV"; data/README-exports.md, "garmin_csv/".
    """
    if units is not None and units not in ("km", "mi"):
        raise RunlogError(f"units must be 'km' or 'mi', not {units!r}")
    data, label = _read_bytes(source, name)
    table = _Table.read(data, label)
    ncols = len(table.header)

    def entry(status: str, reason: str, rowno: int, aid: str | None = None) -> dict:
        return log_row(label, status, reason, row=rowno, activity_id=aid, source=SOURCE_CSV)

    log: list[dict] = []
    runs: list[tuple[int, int, str, str, list[str], dict]] = []  # log slot, row, sport, how, record, values
    for k, rec in enumerate(table.rows):
        rowno = k + 2  # the header is spreadsheet row 1
        if not any(c.strip() for c in rec):
            continue
        if len(rec) < ncols or any(c.strip() for c in rec[ncols:]):
            log.append(entry("failed", f"row has {len(rec)} fields, the header has {ncols}", rowno))
            continue
        got = table.cell(rec, "activity_type")
        if got is None:
            log.append(entry("failed", "no activity type", rowno))
            continue
        sport, how = classify_activity_type(got[0])
        if sport is None:
            log.append(entry("not_a_run", f"activity type '{_clean(got[0])}' is not a run", rowno))
            continue
        try:
            values = table.parse_run(k)
        except _RowError as exc:
            log.append(entry("failed", str(exc), rowno))
            continue
        log.append({})  # filled once the units are known
        runs.append((len(log) - 1, rowno, sport, how, rec, values))

    dist_unit, elev_unit, notes = _units_and_notes(table, [v for *_, v in runs], units)
    records: list[dict] = []
    first_row: dict[str, int] = {}
    for slot, rowno, sport, how, rec, values in runs:
        aid = "garmin:" + hashlib.sha1(",".join(rec).encode("utf-8")).hexdigest()[:12]
        if aid in first_row:
            log[slot] = entry("duplicate", f"same row as row {first_row[aid]}", rowno, aid)
            continue
        first_row[aid] = rowno
        records.append({"activity_id": aid, "sport": sport, **_csv_run_record(values, dist_unit, elev_unit)})
        reason = list(notes)
        if how == "keyword":
            kind = _clean(table.cell(rec, "activity_type")[0])
            reason.insert(0, f"activity type '{kind}' read as a run by keyword")
        log[slot] = entry("imported", "; ".join(reason), rowno, aid)

    if not records:
        return ReadResult.build(log_rows=log)
    frame = pd.DataFrame(records)
    frame["start_time"] = localize_wall_time(frame["wall"], tz)
    frame["date"] = pd.to_datetime(frame["wall"]).dt.normalize()
    return ReadResult.build(runs=_finish_runs(frame.drop(columns="wall"), SOURCE_CSV, label), log_rows=log)


def _finish_runs(frame: pd.DataFrame, source: str, label: str) -> pd.DataFrame:
    """Source columns, no gear, and nullable floats for the running-dynamics extras."""
    frame = frame.assign(source=source, source_file=label, gear_id=pd.NA, gear_name=pd.NA)
    for col in EXTRA_RUN_COLUMNS:
        frame[col] = pd.to_numeric(frame[col]).astype("Float64")
    return frame


# ---------------------------------------------------------------------------
# GDPR JSON
# ---------------------------------------------------------------------------
def _load_json(data: bytes, label: str):
    try:
        return json.loads(_decode(data))
    except (json.JSONDecodeError, ValueError) as exc:
        raise RunlogError(f"not valid JSON: {exc}", path=label) from exc
    except RecursionError as exc:  # hostile nesting ([[[[...) deeper than Python's stack
        raise RunlogError("not valid JSON: nested too deeply", path=label) from exc


def _summaries(doc, label: str) -> list:
    """The activity dicts of a summarizedActivities file (all wrapper shapes)."""
    blocks = doc if isinstance(doc, list) else [doc]
    out: list = []
    found = False
    for block in blocks:
        if isinstance(block, dict) and "summarizedActivitiesExport" in block:
            found = True
            out.extend(block["summarizedActivitiesExport"] or [])
    if not found:
        raise RunlogError("no 'summarizedActivitiesExport' in this JSON", path=label)
    return out


def _num(entry: dict, key: str) -> float | None:
    v = entry.get(key)
    if v is None or isinstance(v, bool):
        return None
    v = float(v)
    return None if math.isnan(v) else v


def read_garmin_json(source: str | Path | bytes, *, tz=None, name: str | None = None) -> ReadResult:
    """Read a Garmin GDPR export ``*_summarizedActivities.json``.

    Parameters
    ----------
    source : str, Path or bytes
        The file, or its bytes.
    tz : str, optional
        IANA zone used for the local date only when an entry lacks
        ``startTimeLocal`` (default UTC).
    name : str, optional
        File name for the import log when ``source`` is bytes.

    Returns
    -------
    ReadResult
        ``runs`` (source ``garmin_json``, ``activity_id`` = ``garmin:<activityId>``),
        no samples, one log row per entry (``row`` = 1-based position in
        ``summarizedActivitiesExport``).

    Raises
    ------
    RunlogError
        Not JSON, or no ``summarizedActivitiesExport`` in it.

    Notes
    -----
    Distances and elevations are in cm, durations in ms, ``avgStrideLength``
    and ``avgVerticalOscillation`` in cm; ``startTimeGmt`` (or
    ``beginTimestamp``) is UTC epoch ms, possibly written as a float
    (``1.740849662E12``); ``startTimeLocal`` is the local wall time written as
    epoch ms, so ``startTimeLocal - startTimeGmt`` is the run's UTC offset and
    gives its local ``date``. ``avgDoubleCadence`` is steps/min
    (``2 x avgRunCadence``, which is strides/min). See :data:`JSON_VARIABLE_MAP`.

    References
    ----------
    FORMATS.md, "Garmin Connect web CSV" (full data export); data/README-exports.md, "garmin_json/".
    """
    data, label = _read_bytes(source, name)
    entries = _summaries(_load_json(data, label), label)

    def entry(status: str, reason: str, k: int, aid: str | None = None) -> dict:
        return log_row(label, status, reason, row=k, activity_id=aid, source=SOURCE_JSON)

    log: list[dict] = []
    records: list[dict] = []
    seen: set[str] = set()
    for k, e in enumerate(entries, start=1):
        if not isinstance(e, dict):
            log.append(entry("failed", "entry is not an object", k))
            continue
        kind = e.get("activityType")
        kind = str((kind.get("typeKey") if isinstance(kind, dict) else kind) or "").strip()
        sport = (JSON_RUN_TYPES.get(kind) or classify_activity_type(kind)[0]) if kind else None
        if sport is None:
            log.append(entry("not_a_run", f"activity type '{kind or '?'}' is not a run", k))
            continue
        aid = _garmin_id(e.get("activityId")) or (
            "garmin:" + hashlib.sha1(json.dumps(e, sort_keys=True).encode()).hexdigest()[:12]
        )
        try:
            record = _json_run_record(e, tz)
        except _RowError as exc:
            log.append(entry("failed", str(exc), k))
            continue
        if aid in seen:
            log.append(entry("duplicate", "same activityId twice in the file", k, aid))
            continue
        seen.add(aid)
        records.append({"activity_id": aid, "sport": sport, **record})
        log.append(entry("imported", "", k, aid))
    if not records:
        return ReadResult.build(log_rows=log)
    return ReadResult.build(runs=_finish_runs(pd.DataFrame(records), SOURCE_JSON, label), log_rows=log)


def _garmin_id(ident) -> str | None:
    """``garmin:<activityId>`` (ids may be written as floats), or None."""
    if ident is None or isinstance(ident, bool) or ident == "":
        return None
    if isinstance(ident, float) and ident.is_integer():
        ident = int(ident)
    return f"garmin:{ident}"


def _json_run_record(e: dict, tz) -> dict:
    """Canonical runs columns of one summarized activity (cm, ms -> m, s).

    Raises
    ------
    _RowError
        No start time, or a value that is not a number.
    """
    try:
        nums = {key: _num(e, key) for key in JSON_VARIABLE_MAP if key not in ("activityType", "name")}
        start_ms = _num(e, "startTimeGmt")
        start_ms = _num(e, "beginTimestamp") if start_ms is None else start_ms
        local_ms = _num(e, "startTimeLocal")
        run_cadence = _num(e, "avgRunCadence")
    except (TypeError, ValueError) as exc:
        raise _RowError(f"unreadable value: {exc}") from None
    if start_ms is None:
        raise _RowError("no start time (startTimeGmt or beginTimestamp)")
    try:
        start = pd.Timestamp(round(start_ms), unit="ms", tz="UTC")
        if local_ms is not None:  # the wall time written as if it were UTC: its date is the local date
            day = pd.Timestamp(round(local_ms), unit="ms").normalize()
        else:
            day = local_date(pd.Series([start]), tz).iloc[0]
    except (OverflowError, ValueError) as exc:  # infinite, or beyond the years pandas can hold
        raise _RowError(f"start time out of range ({start_ms!r} ms)") from exc

    def conv(key: str, zero_is_missing: bool = False):
        return _scaled(nums[key], JSON_VARIABLE_MAP[key][1], zero_is_missing)

    moving = conv("movingDuration", True)
    if moving is pd.NA:
        moving = conv("duration", True)
    cadence = nums["avgDoubleCadence"]
    if cadence is None and run_cadence is not None:
        cadence = 2.0 * run_cadence  # avgRunCadence is strides/min
    title = e.get("name")
    return {
        "start_time": start,
        "date": day,
        "name": title.strip() if isinstance(title, str) and title.strip() else pd.NA,
        "distance_m": conv("distance"),
        "moving_time_s": moving,
        "elapsed_time_s": conv("elapsedDuration", True),
        "avg_heart_rate_bpm": conv("avgHr", True),
        "avg_cadence_spm": _nan_to_na(cadence, True),
        "elevation_gain_m": conv("elevationGain"),
        "avg_step_length_mm": conv("avgStrideLength", True),
        "avg_vertical_oscillation_mm": conv("avgVerticalOscillation", True),
        "avg_vertical_ratio_pct": conv("avgVerticalRatio", True),
    }


# ---------------------------------------------------------------------------
# Gear
# ---------------------------------------------------------------------------
def _gear_doc(source: str | Path | bytes, name: str | None) -> tuple[dict, str]:
    data, label = _read_bytes(source, name)
    doc = _load_json(data, label)
    blocks = doc if isinstance(doc, list) else [doc]
    for block in blocks:
        if isinstance(block, dict) and ("gearDTOS" in block or "gearActivityDTOs" in block):
            return block, label
    raise RunlogError("no 'gearDTOS' in this JSON (expected a Garmin <user>_gear.json)", path=label)


def _is_shoe(g: dict) -> bool:
    kind = str(g.get("gearTypeName") or "shoes").strip().casefold()
    return kind in ("shoes", "shoe", "running shoes")


def _gear_name(g: dict) -> str | None:
    for key in ("displayName", "customMakeModel"):
        v = g.get(key)
        if isinstance(v, str) and v.strip():
            return v.strip()
    parts = [str(g[k]).strip() for k in ("gearMakeName", "gearModelName") if g.get(k)]
    return " ".join(parts) or None


def read_garmin_gear(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """Which shoe each activity used, from a Garmin GDPR ``<user>_gear.json``.

    Parameters
    ----------
    source : str, Path or bytes
        The gear file (``gearDTOS`` and ``gearActivityDTOs``).
    name : str, optional
        File name for error messages when ``source`` is bytes.

    Returns
    -------
    DataFrame
        Index ``activity_id`` (``garmin:<activityId>``, matching
        :func:`read_garmin_json`), columns ``gear_id`` (the ``gearPk`` as a
        string) and ``gear_name`` (``displayName``, else ``customMakeModel``,
        else make + model). Shoes only (``gearTypeName`` "Shoes"); an activity
        linked to two shoes keeps the first listed.

    Raises
    ------
    RunlogError
        Not JSON, or not a gear file.

    References
    ----------
    FORMATS.md, "Garmin Connect web CSV" (gear in ``<user>_gear.json``).
    """
    doc, _ = _gear_doc(source, name)
    gear = {str(g.get("gearPk")): g for g in doc.get("gearDTOS") or [] if isinstance(g, dict)}
    rows: dict[str, tuple[str, str | None]] = {}
    links = doc.get("gearActivityDTOs") or {}
    for pk, acts in links.items():
        g = gear.get(str(pk), {"gearPk": pk})
        if not _is_shoe(g):
            continue
        for act in acts or []:
            ident = act.get("activityId") if isinstance(act, dict) else act
            if ident is None:
                continue
            aid = _garmin_id(ident)
            if aid:
                rows.setdefault(aid, (str(pk), _gear_name(g)))
    out = pd.DataFrame(
        {"gear_id": [v[0] for v in rows.values()], "gear_name": [v[1] for v in rows.values()]},
        index=pd.Index(list(rows), name="activity_id", dtype="string"),
    )
    return out.astype("string")


def read_garmin_shoes(source: str | Path | bytes, *, name: str | None = None) -> pd.DataFrame:
    """The shoes of a Garmin GDPR ``<user>_gear.json`` as a shoes-catalog frame.

    Parameters
    ----------
    source : str, Path or bytes
        The gear file.
    name : str, optional
        File name for error messages when ``source`` is bytes.

    Returns
    -------
    DataFrame
        Canonical shoes frame (:func:`analysis.schema.coerce_shoes`): ``name``
        (as in :func:`read_garmin_gear`), ``brand`` (``gearMakeName``),
        ``model`` (``customMakeModel``, else ``gearModelName``), ``gear_id``,
        ``retire_km`` (``maximumMeters`` / 1000, the user's retirement
        distance), ``retired`` (``gearStatusName`` "retired" or a ``dateEnd``).
        Specs (weight, stack, drop) are not in the file: NA.
    """
    doc, _ = _gear_doc(source, name)
    rows = []
    for g in doc.get("gearDTOS") or []:
        if not isinstance(g, dict) or not _is_shoe(g):
            continue
        model = g.get("customMakeModel") or g.get("gearModelName")
        max_m = g.get("maximumMeters")
        status = str(g.get("gearStatusName") or "").casefold()
        rows.append({
            "name": _gear_name(g),
            "brand": g.get("gearMakeName") or pd.NA,
            "model": model or pd.NA,
            "gear_id": str(g.get("gearPk")),
            "retire_km": float(max_m) / 1000.0 if isinstance(max_m, int | float) and max_m > 0 else pd.NA,
            "retired": status == "retired" or bool(g.get("dateEnd")),
        })
    return schema.coerce_shoes(pd.DataFrame(rows, columns=["name", "brand", "model", "gear_id", "retire_km",
                                                           "retired"]))


def apply_garmin_gear(runs: pd.DataFrame, gear_links: pd.DataFrame) -> pd.DataFrame:
    """Fill ``gear_id``/``gear_name`` of runs from :func:`read_garmin_gear` links.

    Parameters
    ----------
    runs : DataFrame
        Canonical runs frame (index ``activity_id``).
    gear_links : DataFrame
        Index ``activity_id``, columns ``gear_id``, ``gear_name``.

    Returns
    -------
    DataFrame
        A copy of ``runs`` whose missing ``gear_id``/``gear_name`` are filled
        where the run's id is linked to a shoe; gear already present is kept.
    """
    out = runs.copy()
    if gear_links is None or gear_links.empty or out.empty:
        return out
    links = gear_links[~gear_links.index.duplicated()]
    for col in ("gear_id", "gear_name"):
        mapped = pd.Series(out.index.map(links[col]), index=out.index, dtype="string")
        if col in out.columns:
            out[col] = out[col].astype("string").fillna(mapped)
        else:
            out[col] = mapped
    return out


# ---------------------------------------------------------------------------
# Sniffers
# ---------------------------------------------------------------------------
def sniff_csv(head: bytes, name: str = "") -> bool:
    """Tell whether the first bytes are a Garmin Connect ``Activities.csv`` (any language).

    Parameters
    ----------
    head : bytes
        The first ~64 KiB of the file.
    name : str, optional
        The file name (not needed: the header decides).

    Returns
    -------
    bool
        True when the first header cell is an activity-type header and a date
        header follows within two cells, or at least five header cells are
        known Garmin headers with an activity-type header among them.
    """
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:  # decode the first line only: the head may end inside a multi-byte character
        text = _decode(re.split(rb"[\r\n]", head, maxsplit=1)[0])
    first = re.split(r"[\r\n]", text.lstrip("\ufeff"), maxsplit=1)[0]  # LF, CRLF or Mac Excel's lone CR
    if not first.strip():
        return False
    try:
        cells = next(csv.reader([first], delimiter=_delimiter(first)))
    except (csv.Error, StopIteration):
        return False
    normed = [_norm(_UNIT_SUFFIX.sub("", c.strip())) for c in cells]
    if len(normed) < 3:
        return False
    if normed[0] in _TYPE_HEADERS and any(n in _DATE_HEADERS for n in normed[1:3]):
        return True
    known = sum(n in _KNOWN_HEADERS for n in normed)
    return known >= 5 and any(n in _TYPE_HEADERS for n in normed[:3])


def sniff_json(head: bytes, name: str = "") -> bool:
    """Tell whether the first bytes are a Garmin GDPR ``summarizedActivities`` JSON."""
    return b"summarizedActivitiesExport" in head[:65536]


def sniff_gear(head: bytes, name: str = "") -> bool:
    """Tell whether the first bytes are a Garmin GDPR ``<user>_gear.json``."""
    return b'"gearDTOS"' in head[:65536] or b'"gearActivityDTOs"' in head[:65536]


__all__ = [
    "HEADER_ALIASES",
    "JSON_RUN_TYPES",
    "JSON_VARIABLE_MAP",
    "KNOWN_HEADER_ROWS",
    "RUN_TYPE_ALIASES",
    "VARIABLE_MAP",
    "apply_garmin_gear",
    "classify_activity_type",
    "parse_number",
    "parse_wall_times",
    "read_garmin_csv",
    "read_garmin_gear",
    "read_garmin_json",
    "read_garmin_shoes",
    "sniff_csv",
    "sniff_gear",
    "sniff_json",
]
