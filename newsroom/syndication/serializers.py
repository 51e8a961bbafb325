"""The native JSON representation. Read-only: partners never write through the API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from newsroom.syndication import facts, links

# Formats a datetime as every DateTimeField here does; it keeps no state between values, so one serves all.
DATETIME = serializers.DateTimeField()


class SectionSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    uri = serializers.SerializerMethodField()

    def get_uri(self, section) -> str:
        return links.section_uri(section)


class SectionRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    uri = serializers.SerializerMethodField()

    def get_uri(self, section) -> str:
        return links.section_uri(section)


class TagSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    uri = serializers.SerializerMethodField()

    def get_uri(self, tag) -> str:
        return links.tag_uri(tag)


class RenditionSerializer(serializers.Serializer):
    name = serializers.CharField()
    href = serializers.URLField()
    content_type = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    size_bytes = serializers.IntegerField()


class ImageSerializer(serializers.Serializer):
    uri = serializers.SerializerMethodField()
    title = serializers.CharField()
    alt_text = serializers.CharField(help_text="Empty when the image is decorative.")
    is_decorative = serializers.BooleanField()
    caption = serializers.CharField()
    credit = serializers.CharField()
    copyright = serializers.CharField()
    focal_point = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()

    def get_uri(self, image) -> str:
        return links.image_uri(image)

    @extend_schema_field({"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}})
    def get_focal_point(self, image):
        return {"x": image.focal_x, "y": image.focal_y}

    @extend_schema_field(RenditionSerializer(many=True))
    def get_renditions(self, image):
        return [
            {
                "name": rendition.name,
                "href": rendition.href,
                "content_type": rendition.content_type,
                "width": rendition.width,
                "height": rendition.height,
                "size_bytes": rendition.size_bytes,
            }
            for rendition in facts.renditions(image)
        ]


class ArticleVehicleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="vehicle_model.pk")
    uri = serializers.SerializerMethodField()
    make = serializers.CharField(source="vehicle_model.make.name")
    make_slug = serializers.CharField(source="vehicle_model.make.slug")
    model = serializers.CharField(source="vehicle_model.name")
    model_slug = serializers.CharField(source="vehicle_model.slug")
    model_year = serializers.IntegerField(source="model_year.year", allow_null=True, default=None)

    def get_uri(self, link) -> str:
        return links.vehicle_model_uri(link.vehicle_model)


class CorrectionSerializer(serializers.Serializer):
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class ArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uri = serializers.SerializerMethodField(help_text="Stable identifier; also the ninjs uri.")
    url = serializers.SerializerMethodField(help_text="The article on the public site.")
    status = serializers.SerializerMethodField(help_text="Always 'usable' here; the change feed carries 'canceled'.")
    slug = serializers.SlugField()
    headline = serializers.CharField()
    standfirst = serializers.CharField()
    body_html = serializers.CharField(source="body", help_text="Sanitised HTML.")
    body_text = serializers.SerializerMethodField()
    byline = serializers.SerializerMethodField()
    section = SectionRefSerializer(allow_null=True)
    # The related rows as ``loading.with_related`` loads them: plain lists; the public facts
    # (``facts.article_facts``) in ``article.facts``.
    tags = TagSerializer(many=True, source="tag_list")
    vehicles = ArticleVehicleSerializer(many=True, source="vehicle_links")
    lead_image = ImageSerializer(allow_null=True)
    corrections = CorrectionSerializer(many=True, source="correction_list")
    first_published_at = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="publish_at")
    updated_at = serializers.SerializerMethodField(help_text="Last update or correction readers were told about.")
    version = serializers.IntegerField()

    def get_uri(self, article) -> str:
        return article.facts.uri

    def get_url(self, article) -> str:
        return article.facts.web_url

    def get_status(self, article) -> str:
        return "usable"

    def get_body_text(self, article) -> str:
        return article.facts.body_text

    def get_byline(self, article) -> str:
        return article.facts.byline

    @extend_schema_field(serializers.DateTimeField())
    def get_first_published_at(self, article):
        return DATETIME.to_representation(article.facts.first_published_at)

    @extend_schema_field(serializers.DateTimeField())
    def get_updated_at(self, article):
        return DATETIME.to_representation(article.facts.updated_at)


class ArticlePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last one.")
    changes_cursor = serializers.CharField(
        help_text="Where the change feed stood before this list was read: poll /api/v1/changes/?cursor=… "
        "from here after a full sync, and nothing published meanwhile is missed."
    )
    results = ArticleSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(help_text="Position in the feed; increases in commit order.")
    event = serializers.ChoiceField(choices=["published", "updated", "corrected", "withdrawn"])
    occurred_at = serializers.DateTimeField()
    article_id = serializers.IntegerField()
    article = serializers.JSONField(
        help_text="The article as it is now (same shape as /api/v1/articles/{id}/), or a tombstone "
        "{id, uri, status: 'canceled', reason} when the partner must remove it; reason is the public "
        "withdrawal reason, or null when the article was not withdrawn (e.g. it left your sections)."
    )


def change_entry(change, document):
    """One entry of the change feed, as ``ChangeSerializer`` describes it: ``change`` (a ChangeEvent)
    with ``document``, the article in the partner's format or its tombstone."""
    return {
        "sequence": change.pk,
        "event": change.event,
        "occurred_at": DATETIME.to_representation(change.occurred_at),
        "article_id": change.article_id,
        "article": document,
    }


def tombstone(article_id, reason):
    """The native JSON for an article the partner must remove (ninjs: ``ninjs.tombstone_document``):
    which one, that it is canceled, and the public withdrawal reason, or None when it was not
    withdrawn (it left the partner's sections)."""
    return {"id": article_id, "uri": links.article_uri_for_id(article_id), "status": "canceled", "reason": reason}


class ChangePageSerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="Poll again with ?cursor=this to get only newer changes.")
    next = serializers.URLField(allow_null=True, help_text="More changes are waiting now; null when caught up.")
    results = ChangeSerializer(many=True)


class SimplePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)


class SectionPageSerializer(SimplePageSerializer):
    results = SectionSerializer(many=True)


class TagPageSerializer(SimplePageSerializer):
    results = TagSerializer(many=True)


class PlantSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    country = serializers.CharField()
    manufacturer = serializers.CharField(source="manufacturer.name", allow_null=True, default=None)


class PowertrainSerializer(serializers.Serializer):
    name = serializers.CharField()
    engine_type = serializers.CharField()
    fuel_type = serializers.CharField()
    displacement_cc = serializers.IntegerField(allow_null=True)
    cylinders = serializers.IntegerField(allow_null=True)
    aspiration = serializers.CharField()
    power_kw = serializers.DecimalField(max_digits=7, decimal_places=1, coerce_to_string=False)
    torque_nm = serializers.DecimalField(max_digits=7, decimal_places=1, coerce_to_string=False, allow_null=True)
    transmission = serializers.CharField()
    figures_unconfirmed = serializers.BooleanField()


class ModelYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    trim = serializers.CharField()
    body_class = serializers.CharField()
    doors = serializers.IntegerField(allow_null=True)
    seats = serializers.IntegerField(allow_null=True)
    drive_type = serializers.CharField()
    powertrain = PowertrainSerializer(allow_null=True)
    plants = PlantSerializer(many=True)


class AvailabilitySerializer(serializers.Serializer):
    market = serializers.CharField(source="market.country", help_text="ISO 3166-1 alpha-2.")
    market_name = serializers.CharField(source="market.name")
    steering_side = serializers.CharField(source="market.steering_side")
    status = serializers.CharField()
    announced_on = serializers.DateField(allow_null=True)
    start = serializers.DateField(allow_null=True)
    start_precision = serializers.CharField()
    end = serializers.DateField(allow_null=True)
    end_precision = serializers.CharField()
    source_plant = serializers.CharField(source="source_plant.code", allow_null=True, default=None)
    source_country = serializers.CharField()
    note = serializers.CharField()
    reported_in = serializers.SerializerMethodField(help_text="The article that reported it, when you can read it.")

    def get_reported_in(self, availability) -> str | None:
        if availability.reported_in_id and availability.reported_in_readable:
            return links.article_uri_for_id(availability.reported_in_id)
        return None


class VehicleModelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uri = serializers.SerializerMethodField()
    make = serializers.CharField(source="make.name")
    make_slug = serializers.CharField(source="make.slug")
    manufacturers = serializers.SerializerMethodField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    vehicle_type = serializers.CharField()
    body_class = serializers.CharField()
    segment = serializers.CharField()
    description = serializers.CharField()
    updated_at = serializers.DateTimeField()
    # Related managers, never a source like "model_years.all": a list serializer takes a manager's
    # rows itself, while a method source costs DRF an inspect.signature call per item.
    model_years = ModelYearSerializer(many=True)
    markets = AvailabilitySerializer(many=True, source="availabilities")

    def get_uri(self, vehicle_model) -> str:
        return links.vehicle_model_uri(vehicle_model)

    def get_manufacturers(self, vehicle_model) -> list[str]:
        return [manufacturer.name for manufacturer in vehicle_model.manufacturers()]


class VehicleModelPageSerializer(SimplePageSerializer):
    results = VehicleModelSerializer(many=True)


class ProblemSerializer(serializers.Serializer):
    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    request_id = serializers.CharField(required=False)
    errors = serializers.ListField(child=serializers.DictField(), required=False)


class VinSerializer(serializers.Serializer):
    """A decoded VIN in the API's snake_case; the decoder (``vehicles.vin``) names its fields as NHTSA
    vPIC does, and each field here says which one it shows."""

    vin = serializers.CharField(source="VIN")
    valid = serializers.BooleanField(
        source="Valid", help_text="False when the check digit (position 9) or the year code (position 10) fails."
    )
    problems = serializers.ListField(
        source="Problems", child=serializers.CharField(), help_text="Why it is not valid, each naming a position."
    )
    wmi = serializers.CharField(source="WMI")
    manufacturer = serializers.CharField(source="Manufacturer")
    make = serializers.CharField(source="Make")
    country = serializers.CharField(source="Country")
    vehicle_type = serializers.CharField(source="VehicleType")
    model_year = serializers.IntegerField(source="ModelYear", allow_null=True)
    plant_code = serializers.CharField(source="PlantCode")
    plant = serializers.CharField(source="Plant")
    plant_city = serializers.CharField(source="PlantCity")
    plant_state = serializers.CharField(source="PlantState")
    plant_country = serializers.CharField(source="PlantCountry")
    model = serializers.CharField(source="Model")
    trim = serializers.CharField(source="Trim")
    serial_number = serializers.CharField(source="SerialNumber")
    vehicle_model_uri = serializers.URLField(source="VehicleModelUri", allow_null=True)
