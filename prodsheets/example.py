"""The sample production ``init --example`` writes: a play at a 400-seat regional theatre.

"The Lighthouse Keeper's Daughter" at the Harbour Repertory Theatre, caught mid-way: rehearsals
began two weeks before ``today`` and it opens three weeks after. Every date is relative to
``today``, so the example finds the same things whenever it is run. A few realistic mistakes are
left in on purpose, so that a first ``prodsheets sync`` shows what the tool finds. They are
all warnings, so that the first sync a new user runs succeeds (exit 0):

- budget line CO-01 (fabric) is over budget and PR-02 (breakaway glass) is near its limit;
- Scenic's lines add up to more than its allocation;
- Coastline Printing has money committed on a Quote, no signed contract;
- Brightwater Lighting Hire's insurance runs out before the strike;
- Mara Quinn is called to a costume fitting during her rehearsal call;
- the lighting programmer is back at 08:00 after a tech that ended at 23:30;
- the press release is past its due date and not done;
- the tech in the main house and a lighting workshop in the studio want 14 moving lights at
  once, and the Equipment tab has 12.

The Crew tab lists everyone the schedule calls: the two actors work under the "Example Cast"
rule set, the ASM and the carpenter under "Example Crew" (both neutral examples from the
template), and the others under the production's own turnaround. Long calls have their lunch
and dinner breaks in the Schedule, so the rule sets find nothing else.

Values are as a person types them: Decimal money (a couple typed as "$1,250.00"), real dates
and date-times, plain text.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from prodsheets.backends.base import SummaryValue
from prodsheets.template import Template

PRODUCTION = "The Lighthouse Keeper's Daughter"
THEATRE = "Harbour Repertory Theatre"
_MAIL = "harbourrep.example"


def _mail(name: str) -> str:
    return name.lower().replace(" ", ".") + "@" + _MAIL


def _money(text: str) -> Decimal:
    return Decimal(text)


# Department, Head, Allocation
_DEPARTMENTS: list[tuple[str, str, str]] = [
    ("Scenic", "Marcus Reid", "46000.00"),
    ("Lighting", "Sofia Lindqvist", "21500.00"),
    ("Sound", "Ravi Menon", "12000.00"),
    ("Costume", "Ines Duarte", "24000.00"),
    ("Props", "Beth Harlow", "8500.00"),
    ("Stage Management", "Priya Nair", "9000.00"),
    ("Production", "Dan Okafor", "28000.00"),
    ("Marketing", "Claire Donnelly", "18000.00"),
]

# fmt: off
# Code, Department, Category, Description, Vendor, Budgeted, Actual, Committed, ETC, Notes
_BUDGET: list[tuple[str, str, str, str, str, Any, Any, Any, Any, str]] = [
    ("SC-01", "Scenic", "Materials", "Timber, ply and steel for the lighthouse tower",
     "Northgate Timber & Board", "14500.00", "9842.17", "1960.00", "900.00", ""),
    ("SC-02", "Scenic", "Labour", "Scenic carpenters (build and load-in)",
     "", "16800.00", "8640.00", "", "5760.00", "4 carpenters x 6 weeks"),
    ("SC-03", "Scenic", "Services", "Scenic painting: deck and cyclorama",
     "Harbour Scenic Studios", "6200.00", "3100.00", "2150.00", "", ""),
    ("SC-04", "Scenic", "Materials", "Revolve motor and controller",
     "Summit Rigging & Safety", "7400.00", "", "5980.00", "250.00", "PO 2291"),
    ("SC-05", "Scenic", "Materials", "Paint, scenic texture and hardware",
     "Northgate Timber & Board", "2350.00", "1204.66", "", "650.00", ""),
    ("LX-01", "Lighting", "Rentals", "Moving lights and LED wash hire (6 weeks)",
     "Brightwater Lighting Hire", "9600.00", "4800.00", "3600.00", "", "Half paid on delivery"),
    ("LX-02", "Lighting", "Materials", "Gels, gobos and lamps",
     "Stagelight Supply Co.", "1450.00", "612.35", "180.00", "250.00", ""),
    ("LX-03", "Lighting", "Labour", "Lighting programmer (tech and previews)",
     "", "4200.00", "", "", "3600.00", ""),
    ("LX-04", "Lighting", "Labour", "Electricians: hang, focus and strike",
     "", "3900.00", "", "", "3250.00", ""),
    ("LX-05", "Lighting", "Materials", "Practical lamps for the lighthouse lantern",
     "Stagelight Supply Co.", "640.00", "212.40", "", "300.00", ""),
    ("SD-01", "Sound", "Rentals", "Speaker system and radio mics hire",
     "Tidewater Audio Rentals", "4800.00", "2400.00", "1800.00", "", ""),
    ("SD-02", "Sound", "Fees", "Sound design fee",
     "", "3500.00", "1750.00", "1200.00", "", "Final third on opening"),
    ("SD-03", "Sound", "Fees", "Sound effects library licences",
     "", "900.00", "720.00", "", "", ""),
    ("SD-04", "Sound", "Materials", "Cables, batteries and consumables",
     "Stagelight Supply Co.", "600.00", "214.85", "", "200.00", ""),
    ("SD-05", "Sound", "Labour", "RF technician (tech week)",
     "", "$1,250.00", "", "", "1000.00", ""),
    ("CO-01", "Costume", "Materials", "Fabric and trims",
     "Mill Street Fabrics", "4200.00", "3615.40", "480.00", "350.00", "Oilskins re-made in wool"),
    ("CO-02", "Costume", "Rentals", "Period costume hire (ensemble)",
     "Redcliffe Costume Hire", "3800.00", "1900.00", "1300.00", "", ""),
    ("CO-03", "Costume", "Labour", "Cutter and stitchers",
     "", "9600.00", "4800.00", "", "3400.00", ""),
    ("CO-04", "Costume", "Services", "Wigs and hair",
     "Keel & Co. Wigs", "2400.00", "1200.00", "800.00", "", ""),
    ("CO-05", "Costume", "Services", "Laundry and dry cleaning during the run",
     "", "1100.00", "", "", "880.00", ""),
    ("PR-01", "Props", "Rentals", "Period furniture hire",
     "Anchor Props & Antiques", "2200.00", "1100.00", "750.00", "", ""),
    ("PR-02", "Props", "Materials", "Breakaway glassware and bottles (run supply)",
     "", "1200.00", "684.00", "312.50", "120.00", "Two smashed per show"),
    ("PR-03", "Props", "Materials", "Lighthouse lantern prop (build)",
     "", "1500.00", "842.19", "", "400.00", ""),
    ("PR-04", "Props", "Materials", "Consumables: food, candles, stage smoke",
     "", "900.00", "215.60", "", "500.00", ""),
    ("PR-05", "Props", "Labour", "Props maker (4 weeks)",
     "", "2400.00", "1200.00", "", "900.00", ""),
    ("SM-01", "Stage Management", "Labour", "ASM (rehearsals to strike)",
     "", "5200.00", "1300.00", "", "3250.00", ""),
    ("SM-02", "Stage Management", "Materials", "Rehearsal tape, scripts and prompt copies",
     "", "450.00", "187.23", "", "150.00", ""),
    ("SM-03", "Stage Management", "Rentals", "Comms headsets hire",
     "Tidewater Audio Rentals", "780.00", "390.00", "250.00", "", ""),
    ("SM-04", "Stage Management", "Travel", "Cast travel and local transport",
     "", "1200.00", "412.80", "", "500.00", ""),
    ("SM-05", "Stage Management", "Other", "First aid and sundries",
     "", "300.00", "58.90", "", "150.00", ""),
    ("PD-01", "Production", "Services", "Rigging inspection and certificate",
     "Summit Rigging & Safety", "1800.00", "", "1450.00", "", ""),
    ("PD-02", "Production", "Services", "Trucks: get-in and get-out",
     "Ferry Road Transport", "2600.00", "", "1150.00", "1000.00", ""),
    ("PD-03", "Production", "Labour", "Stage crew (load-in, tech, strike)",
     "", "11500.00", "", "", "9800.00", ""),
    ("PD-04", "Production", "Contingency", "Production contingency",
     "", "6000.00", "", "", "", "Release only with PM sign-off"),
    ("PD-05", "Production", "Other", "Crew meals in tech week",
     "", "1400.00", "", "", "1100.00", ""),
    ("MK-01", "Marketing", "Services", "Print: posters, flyers and programmes",
     "Coastline Printing", "4300.00", "", "2150.00", "1200.00", "Print run booked on the quote"),
    ("MK-02", "Marketing", "Services", "Digital advertising",
     "", "5000.00", "1875.00", "1250.00", "800.00", ""),
    ("MK-03", "Marketing", "Fees", "Production photography",
     "", "1200.00", "480.00", "$480.00", "", "Rehearsal and press calls"),
    ("MK-04", "Marketing", "Services", "Press and PR consultant",
     "", "3000.00", "1500.00", "", "1000.00", ""),
    ("MK-05", "Marketing", "Other", "Opening night reception",
     "", "1500.00", "", "350.00", "850.00", ""),
]

# Vendor, Service, Contact, Phone, Contract, start, end, insurance (days from today), Terms
_VENDORS: list[tuple[str, str, str, str, str, int | None, int | None, int | None, str]] = [
    ("Northgate Timber & Board", "Timber, sheet goods, steel", "Alan Pryce",
     "(207) 555-0114", "Signed", -45, 60, 180, "Net 30"),
    ("Harbour Scenic Studios", "Scenic painting", "Gwen Tallis",
     "(207) 555-0139", "Signed", -30, 20, 240, "50% deposit, balance on completion"),
    ("Summit Rigging & Safety", "Rigging, motors, inspections", "Owen Blake",
     "(207) 555-0172", "Signed", -40, 70, 300, "Net 30"),
    ("Brightwater Lighting Hire", "Lighting hire", "Rosa Delgado",
     "(207) 555-0150", "Signed", -20, 55, 30, "50% on delivery, 50% on return"),
    ("Stagelight Supply Co.", "Lighting consumables", "Hank Morrow",
     "(207) 555-0181", "Signed", -60, 120, None, "Card"),
    ("Tidewater Audio Rentals", "Sound and comms hire", "Lena Ford",
     "(207) 555-0163", "Signed", -20, 55, 200, "Net 15"),
    ("Mill Street Fabrics", "Fabric and trims", "Joy Pemberton",
     "(207) 555-0127", "Signed", -50, 30, None, "Net 30"),
    ("Redcliffe Costume Hire", "Period costume hire", "Ada Whitlock",
     "(207) 555-0196", "Signed", -25, 60, 150, "Deposit on collection"),
    ("Keel & Co. Wigs", "Wigs and hair", "Simone Keel",
     "(207) 555-0108", "Signed", -35, 50, None, "Net 30"),
    ("Anchor Props & Antiques", "Period furniture hire", "Felix Harmon",
     "(207) 555-0145", "Signed", -15, 55, 90, "Weekly in advance"),
    ("Ferry Road Transport", "Trucks and drivers", "Carl Mendes",
     "(207) 555-0188", "Signed", -10, 55, 365, "Net 15"),
    ("Coastline Printing", "Print", "Nina Sato",
     "(207) 555-0121", "Quote", None, None, None, ""),
]
# fmt: on

# The company, by the names the schedule calls them.
_DIRECTOR, _SM, _ASM = "Helen Ashworth", "Priya Nair", "Tom Becker"
_CAST = ("Mara Quinn", "Elliot Shaw")
_PM, _TD, _LD = "Dan Okafor", "Marcus Reid", "Sofia Lindqvist"
_SD, _CD = "Ravi Menon", "Ines Duarte"
_PROGRAMMER, _SOUND_NO1 = "Jamie Cole", "Lena Park"
_ROOM = (_DIRECTOR, _SM, _ASM, *_CAST)  # who is called to a rehearsal
_MEETING = (_PM, _SM, _TD, _LD)  # who sits in a production meeting
_TECH = (*_ROOM, _LD, _PROGRAMMER, _SD, _SOUND_NO1)
_TECH_KIT = "8 x Moving Light; 12 x LED Wash; Haze Machine; 6 x Radio Mic; 6 x Comms Headset"
_SHOW_KIT = "8 x Moving Light; 12 x LED Wash; Haze Machine; 6 x Radio Mic"

# Name, Department, Role, Rule Set, Unavailable (days from today, "" for none)
_CREW: list[tuple[str, str, str, str, tuple[int, int] | None]] = [
    (_DIRECTOR, "Production", "Director", "", None),
    (_SM, "Stage Management", "Stage manager", "", None),
    (_ASM, "Stage Management", "Assistant stage manager", "Example Crew", None),
    (_CAST[0], "Stage Management", "Actor (Ellen)", "Example Cast", None),
    (_CAST[1], "Stage Management", "Actor (Tom Varley)", "Example Cast", (30, 31)),
    (_PM, "Production", "Production manager", "", None),
    (_TD, "Scenic", "Technical director", "", None),
    (_LD, "Lighting", "Lighting designer", "", None),
    (_SD, "Sound", "Sound designer", "", None),
    (_CD, "Costume", "Costume designer", "", None),
    (_PROGRAMMER, "Lighting", "Lighting programmer", "", None),
    (_SOUND_NO1, "Sound", "Sound No.1", "", None),
    ("Nadia Petrova", "Costume", "Cutter", "", None),
    ("Claire Donnelly", "Marketing", "Marketing manager", "", None),
    ("Sam Ortiz", "Marketing", "Photographer", "", None),
    ("Kit Morgan", "Stage Management", "Fight director", "", None),
    ("Dev Patel", "Scenic", "Carpenter", "Example Crew", (20, 25)),
]

# Item, Quantity, Vendor, Daily Rate
_EQUIPMENT: list[tuple[str, int, str, str]] = [
    ("Moving Light", 12, "Brightwater Lighting Hire", "45.00"),
    ("LED Wash", 16, "Brightwater Lighting Hire", "28.00"),
    ("Haze Machine", 1, "", ""),
    ("Radio Mic", 8, "Tidewater Audio Rentals", "15.00"),
    ("Comms Headset", 6, "Tidewater Audio Rentals", "9.50"),
]


def _schedule(today: date) -> list[dict[str, Any]]:
    """About forty items, first rehearsal to strike; day 0 is ``today``."""

    def on(day: int, hh_mm: str = "") -> date | datetime:
        when = today + timedelta(days=day)
        if not hh_mm:
            return when
        hours, minutes = (int(part) for part in hh_mm.split(":"))
        return datetime.combine(when, time(hours, minutes))

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    def item(
        ident: str,
        task: str,
        dept: str,
        space: str,
        people: tuple[str, ...] | str,
        start: date | datetime,
        end: date | datetime,
        *,
        due: int | None = None,
        done: int | None = None,
        status: str = "",
        after: str = "",
        notes: str = "",
        kit: str = "",
    ) -> dict[str, Any]:
        return {
            "ID": ident,
            "Task": task,
            "Department": dept,
            "Space": space or None,
            "People": ", ".join(people) if isinstance(people, tuple) else (people or None),
            "Start": start,
            "End": end,
            "Due": day(due) if due is not None else None,
            "Done On": day(done) if done is not None else None,
            "Status": status or None,
            "Depends On": after or None,
            "Notes": notes or None,
            "Equipment": kit or None,
        }

    def meal(ident: str, task: str, offset: int, start: str, end: str) -> dict[str, Any]:
        """A break for everyone called then (People blank): what a meal rule looks for."""
        return item(ident, task, "Stage Management", "", "", on(offset, start), on(offset, end))

    sm, rr, stage, office = "Stage Management", "Rehearsal Room", "Main Stage", "Production Office"
    # fmt: off
    return [
        item("S01", "Meet and greet, design presentation, read-through", sm, rr,
             (*_ROOM, _PM), on(-14, "10:00"), on(-14, "17:00"), status="Done"),
        item("S02", "Rehearsals: table work and Act 1 blocking", sm, rr, _ROOM,
             on(-13, "10:00"), on(-9, "18:00"), status="Done", after="S01"),
        item("S03", "Scenic build: lighthouse tower and revolve", "Scenic", "Scene Shop", "",
             on(-12), on(6), due=6, status="In Progress"),
        item("S04", "Costume build", "Costume", "Costume Workroom", "",
             on(-12), on(9), due=9, status="In Progress"),
        item("S05", "Season brochure and poster copy", "Marketing", "", "",
             on(-20), on(-10), due=-10, done=-11, status="Done"),
        item("S06", "Lighting plot and paperwork", "Lighting", "", "",
             on(-10), on(-3), due=-3, done=-4, status="Done"),
        item("S07", "Source period furniture", "Props", "", "",
             on(-10), on(-4), due=-4, done=-2, status="Done", notes="Sideboard came late"),
        item("S08", "Costume fittings, round 1", "Costume", "Fitting Room",
             (_CD, "Nadia Petrova", *_CAST), on(-7, "10:00"), on(-7, "12:30"), status="Done"),
        item("S09", "Production meeting 1", "Production", office, _MEETING,
             on(-8, "14:00"), on(-8, "15:30"), status="Done"),
        item("S10", "Rehearsals: Act 2 blocking", sm, rr, _ROOM,
             on(-6, "10:00"), on(-3, "18:00"), status="Done", after="S02"),
        item("S11", "Sound design: cue list and show file", "Sound", "", "",
             on(-9), on(2), due=2, status="In Progress"),
        item("S12", "Paint call: deck and cyclorama", "Scenic", "Paint Frame", "",
             on(-6), on(-2), due=-2, done=-2, status="Done"),
        item("S13", "Production meeting 2", "Production", office, _MEETING,
             on(-2, "14:00"), on(-2, "15:30"), status="Done"),
        item("S14", "Rehearsals: work-through and first runs", sm, rr, _ROOM,
             on(-1, "10:00"), on(3, "18:00"), status="In Progress", after="S10"),
        item("S15", "Costume fitting: Mara Quinn (Act 2 oilskins)", "Costume", "Fitting Room",
             (_CD, _CAST[0]), on(1, "12:00"), on(1, "13:30"), status="Confirmed"),
        item("S16", "Press release and listings", "Marketing", "", "",
             on(-5), on(3), due=-1, status="In Progress"),
        item("S17", "Production photos in rehearsal", "Marketing", "",
             ("Claire Donnelly", "Sam Ortiz"), on(2, "14:00"), on(2, "16:00"),
             status="Confirmed"),
        item("S18", "Props build and sourcing", "Props", "Props Store", "",
             on(-10), on(5), due=5, status="In Progress"),
        item("S19", "Production meeting 3", "Production", office, _MEETING,
             on(4, "14:00"), on(4, "15:30"), status="Confirmed"),
        item("S20", "Designer run", sm, rr, (*_ROOM, _LD, _SD, _CD),
             on(5, "14:00"), on(5, "17:30"), status="Confirmed", after="S14"),
        item("S21", "Rigging inspection", "Production", stage, (_PM, _TD),
             on(6, "09:00"), on(6, "12:00"), status="Confirmed",
             notes="Summit Rigging to issue the certificate"),
        item("S22", "Fight call with fight director", sm, rr,
             (_DIRECTOR, *_CAST, "Kit Morgan"), on(6, "10:00"), on(6, "11:00"),
             status="Cancelled", notes="Moved into tech"),
        item("S23", "Load-in: set and revolve", "Scenic", stage, (_TD, "Dev Patel"),
             on(7, "08:00"), on(8, "20:00"), status="Confirmed", after="S03, S21"),
        item("S24", "Lighting hang", "Lighting", stage, (_LD, _PROGRAMMER),
             on(9, "08:00"), on(9, "18:00"), status="Planned", after="S23"),
        item("S25", "Lighting focus", "Lighting", stage, (_LD, _PROGRAMMER),
             on(10, "08:00"), on(10, "14:00"), after="S24"),
        item("S26", "Sound system check", "Sound", stage, (_SD, _SOUND_NO1),
             on(10, "14:00"), on(10, "17:00"), after="S23", kit="6 x Radio Mic"),
        item("S27", "Spacing rehearsal on stage", sm, stage, _ROOM,
             on(11, "10:00"), on(11, "18:00"), after="S25, S20"),
        item("S28", "Technical rehearsal 1", sm, stage, _TECH,
             on(12, "12:00"), on(12, "23:30"), after="S27; S26", kit=_TECH_KIT),
        item("S29", "Lighting notes and re-focus", "Lighting", stage, _PROGRAMMER,
             on(13, "08:00"), on(13, "12:00"), after="S28"),
        item("S30", "Technical rehearsal 2", sm, stage, _TECH,
             on(14, "12:00"), on(14, "22:00"), after="S28", kit=_TECH_KIT),
        item("S31", "Dress rehearsal 1", sm, stage, (*_ROOM, _CD),
             on(15, "14:00"), on(15, "22:00"), after="S30, S04", kit=_SHOW_KIT),
        item("S32", "Final dress rehearsal", sm, stage, (*_ROOM, _CD),
             on(16, "14:00"), on(16, "22:00"), after="S31", kit=_SHOW_KIT),
        item("S33", "Previews (3 performances)", sm, stage, "",
             on(17, "19:30"), on(19, "22:30"), after="S32"),
        item("S34", "Press photo call", "Marketing", stage,
             ("Claire Donnelly", "Sam Ortiz", *_CAST), on(20, "14:00"), on(20, "17:00")),
        item("S35", "Opening night and reception", "Production", stage, "",
             on(21, "18:30"), on(21, "23:30"), after="S33"),
        item("S36", "Performance run (27 shows)", sm, stage, "",
             on(22, "19:30"), on(48, "22:30"), after="S35",
             notes="Tue-Sun 7.30pm, Sat 2.30pm matinee"),
        item("S37", "Strike and load-out", "Production", stage, (_PM, _TD, _ASM, "Dev Patel"),
             on(49, "08:00"), on(49, "20:00"), after="S36"),
        item("S38", "Return hired lighting and sound", "Production", "", "",
             on(50, "09:00"), on(50, "17:00"), due=50, after="S37"),
        item("S39", "Lobby display and programme", "Marketing", "Lobby", "",
             on(3), on(8), due=8, status="Planned"),
        item("S40", "Record foghorn and storm effects", "Sound", "Sound Studio",
             (_SD, _SOUND_NO1), on(-4, "10:00"), on(-4, "17:00"), status="Done"),
        item("S41", "Schools lighting workshop", "Lighting", "Studio Theatre", "",
             on(12, "14:00"), on(12, "17:00"), status="Confirmed", kit="6 x Moving Light",
             notes="Education team: needs six movers from the rig"),
        meal("M01", "Lunch break", -14, "13:00", "14:00"),
        meal("M02", "Lunch break", 11, "13:00", "14:00"),
        meal("M03", "Dinner break", 12, "17:30", "18:30"),
        meal("M04", "Dinner break", 14, "17:00", "18:00"),
        meal("M05", "Dinner break", 15, "17:30", "18:30"),
        meal("M06", "Dinner break", 16, "17:30", "18:30"),
        meal("M07", "Lunch break", 49, "12:00", "13:00"),
        meal("M08", "Dinner break", 49, "17:00", "18:00"),
    ]
    # fmt: on


def _budget() -> list[dict[str, Any]]:
    names = (
        "Code",
        "Department",
        "Category",
        "Description",
        "Vendor",
        "Budgeted",
        "Actual",
        "Committed",
        "ETC",
        "Notes",
    )
    lines = []
    for line in _BUDGET:
        row: dict[str, Any] = {}
        for name, value in zip(names, line, strict=True):
            if name in ("Budgeted", "Actual", "Committed", "ETC") and value:
                # Most money is typed as a number; a few people type the currency sign.
                row[name] = value if value.startswith("$") else _money(value)
            else:
                row[name] = value or None
        lines.append(row)
    return lines


def _departments() -> list[dict[str, Any]]:
    return [
        {"Department": name, "Head": head, "Email": _mail(head), "Allocation": _money(cap)}
        for name, head, cap in _DEPARTMENTS
    ]


def _vendors(today: date) -> list[dict[str, Any]]:
    def day(offset: int | None) -> date | None:
        return None if offset is None else today + timedelta(days=offset)

    found = []
    for name, service, contact, phone, contract, start, end, insured, terms in _VENDORS:
        found.append(
            {
                "Vendor": name,
                "Service": service,
                "Contact": contact,
                "Email": f"{contact.split()[0].lower()}@{name.split()[0].lower()}.example",
                "Phone": phone,
                "Contract": contract,
                "Contract Start": day(start),
                "Contract End": day(end),
                "Insurance Expires": day(insured),
                "Payment Terms": terms or None,
                "Notes": "Quote only: chase the signed contract" if contract == "Quote" else None,
            }
        )
    return found


def _crew(today: date) -> list[dict[str, Any]]:
    found = []
    for name, department, role, rules, away in _CREW:
        unavailable = None
        if away is not None:
            first, last = (today + timedelta(days=d) for d in away)
            unavailable = f"{first.isoformat()} to {last.isoformat()}"
        found.append(
            {
                "Name": name,
                "Department": department,
                "Role": role,
                "Email": _mail(name),
                "Rule Set": rules or None,
                "Unavailable": unavailable,
            }
        )
    return found


def _equipment() -> list[dict[str, Any]]:
    return [
        {
            "Item": name,
            "Quantity": quantity,
            "Vendor": vendor or None,
            "Daily Rate": _money(rate) if rate else None,
        }
        for name, quantity, vendor, rate in _EQUIPMENT
    ]


def example_rows(template: Template, today: date) -> dict[str, list[tuple[SummaryValue, ...]]]:
    """The sample production's rows by source tab, each in the template's column order.

    A column the template adds is left blank; a column it drops is left out.
    """
    by_tab = {
        "Departments": _departments(),
        "Schedule": _schedule(today),
        "Budget": _budget(),
        "Vendors": _vendors(today),
        "Crew": _crew(today),
        "Equipment": _equipment(),
    }
    rows: dict[str, list[tuple[SummaryValue, ...]]] = {}
    for name in template.laid_out():
        columns = [col.name for col in template.tab(name).columns]
        rows[name] = [tuple(record.get(col) for col in columns) for record in by_tab[name]]
    return rows
