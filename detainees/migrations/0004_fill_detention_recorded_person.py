# Copies what the person row holds today (name, phone, addresses, employer, family contacts) onto each
# of the person's detentions, the columns 0003_detention_recorded_person added. Every centre that held
# the person starts from the values it could read until now; from here on each detention's are its own.
#
# The phone moves through the ORM: its ciphertext is bound to its column (security.fields), so it is
# decrypted under detainees.person.phone and encrypted again under detainees.detention.phone, with the
# keyed hash of the new column. The update triggers record each copy in the detentions' audit trail.
#
# Reverse: each person takes back the values of their latest detention, and the family contacts hang on
# the person again, one row per name, relation and number, as they were kept before.
from django.db import migrations

BATCH = 1000
RECORDED = ("name", "phone", "household_address", "current_address", "employer")


def copy_to_detentions(apps, schema_editor):
    Person = apps.get_model("detainees", "Person")
    Detention = apps.get_model("detainees", "Detention")
    FamilyContact = apps.get_model("detainees", "FamilyContact")
    phone_field = Detention._meta.get_field("phone")
    people = Person.objects.only("pk", *RECORDED).order_by("pk")
    last_pk = 0
    while True:
        batch = {person.pk: person for person in people.filter(pk__gt=last_pk)[:BATCH]}
        if not batch:
            break
        last_pk = max(batch)
        detentions = list(Detention.objects.filter(person_id__in=batch).only("pk", "person_id"))
        for detention in detentions:
            person = batch[detention.person_id]
            for name in RECORDED:
                setattr(detention, name, getattr(person, name))
            # bulk_update stores ciphertext but not the hash (security.fields): set it here.
            detention.phone_hash = phone_field.hash_of(detention.phone)
        Detention.objects.bulk_update(detentions, [*RECORDED, "phone_hash"], batch_size=BATCH)

    # Each contact goes to the person's first detention, and a copy to every later one.
    detentions_of: dict[int, list[int]] = {}
    for person_id, detention_id in Detention.objects.order_by("admitted_at", "pk").values_list("person_id", "pk"):
        detentions_of.setdefault(person_id, []).append(detention_id)
    copies = []
    for contact in FamilyContact.objects.filter(detention__isnull=True).order_by("pk"):
        detention_ids = detentions_of.get(contact.person_id, [])
        if not detention_ids:
            # A person without a detention is never shown; neither is their contact.
            contact.delete()
            continue
        contact.detention_id = detention_ids[0]
        contact.save(update_fields=["detention"])
        copies += [
            FamilyContact(
                person_id=contact.person_id,
                detention_id=detention_id,
                name=contact.name,
                relation=contact.relation,
                phone=contact.phone,
            )
            for detention_id in detention_ids[1:]
        ]
    FamilyContact.objects.bulk_create(copies, batch_size=BATCH)


def copy_back_to_people(apps, schema_editor):
    Person = apps.get_model("detainees", "Person")
    Detention = apps.get_model("detainees", "Detention")
    FamilyContact = apps.get_model("detainees", "FamilyContact")
    person_phone = Person._meta.get_field("phone")
    latest = (
        Detention.objects.order_by("person_id", "-admitted_at", "-pk")
        .distinct("person_id")
        .only("person_id", *RECORDED)
    )
    people = []
    for detention in latest.iterator(chunk_size=BATCH):
        person = Person(pk=detention.person_id, **{name: getattr(detention, name) for name in RECORDED})
        person.phone_hash = person_phone.hash_of(person.phone)
        people.append(person)
        if len(people) == BATCH:
            Person.objects.bulk_update(people, [*RECORDED, "phone_hash"])
            people = []
    Person.objects.bulk_update(people, [*RECORDED, "phone_hash"])

    kept = set()
    for contact in FamilyContact.objects.select_related("detention").order_by("pk"):
        key = (contact.detention.person_id, contact.name, contact.relation, contact.phone_hash)
        if key in kept:
            contact.delete()
            continue
        kept.add(key)
        contact.person_id = contact.detention.person_id
        contact.detention_id = None
        contact.save(update_fields=["person", "detention"])


class Migration(migrations.Migration):
    dependencies = [("detainees", "0003_detention_recorded_person")]

    operations = [migrations.RunPython(copy_to_detentions, copy_back_to_people)]
