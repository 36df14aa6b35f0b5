"""Request and response schemas: the API contract, and the source of /openapi.json."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .config import BATCH_DOCUMENTS_LIMIT, LABELS, LANGUAGES, TEXT_CHARS_LIMIT, UNDETERMINED
from .storage import STATUSES


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Text must not be blank.")


def _valid_unicode(value: str) -> None:
    # JSON's \ud800 escapes can carry lone surrogates, which are not characters and cannot be encoded.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValidationError(f"Text has an unpaired surrogate at character {error.start}; it is not valid "
                              "Unicode.") from error


class ClassifyRequest(Schema):
    """An article to classify (a text/plain body becomes `text`)."""

    text = fields.String(required=True, validate=[validate.Length(min=1, max=TEXT_CHARS_LIMIT), _not_blank,
                                                   _valid_unicode],
                         metadata={"description": f"The article, at most {TEXT_CHARS_LIMIT} characters."})
    language = fields.String(validate=validate.OneOf(LANGUAGES),
                             metadata={"description": "Skip detection and treat every sentence as this language."})
    explain = fields.Boolean(load_default=False, truthy={True}, falsy={False},
                             metadata={"description": "Add the evidence terms behind each label."})


class BatchDocument(ClassifyRequest):
    """One document of a batch."""

    id = fields.String(required=True, validate=validate.Length(min=1, max=200))


class InvalidDocument:
    """A batch document that failed validation; it is answered with an error, not classified."""

    def __init__(self, raw, errors):
        self.id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        self.errors = errors


class TolerantNested(fields.Nested):
    """Nested documents whose validation errors are kept per document instead of failing the batch."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as error:
            return InvalidDocument(value, error.messages)


class BatchRequest(Schema):
    """Up to 100 documents with unique ids."""

    documents = fields.List(TolerantNested(BatchDocument), required=True,
                            validate=validate.Length(min=1, max=BATCH_DOCUMENTS_LIMIT))

    @validates_schema
    def unique_ids(self, data, **kwargs):
        ids = [doc.id if isinstance(doc, InvalidDocument) else doc["id"] for doc in data.get("documents", [])]
        repeated = sorted({i for i in ids if i is not None and ids.count(i) > 1})
        if repeated:
            raise ValidationError(f"Document ids must be unique; repeated: {', '.join(repeated)}.", "documents")


def _label_floats():
    return {label: fields.Float(required=True) for label in LABELS}


Scores = Schema.from_dict(_label_floats(), name="Scores")
Counts = Schema.from_dict({label: fields.Integer(required=True) for label in LABELS}, name="Counts")
LANGUAGE_OUT = validate.OneOf((*LANGUAGES, UNDETERMINED))


class ModelInfo(Schema):
    version = fields.String(required=True)
    sha256 = fields.String(required=True)


class Evidence(Schema):
    term = fields.String(required=True)
    weight = fields.Float(required=True)


class Sentence(Schema):
    index = fields.Integer(required=True)
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    text = fields.String(required=True)
    language = fields.String(required=True, validate=LANGUAGE_OUT)
    label = fields.String(required=True, validate=validate.OneOf(LABELS))
    scores = fields.Nested(Scores, required=True)
    confidence = fields.Float(required=True)
    abstain = fields.Boolean(required=True)
    evidence = fields.List(fields.Nested(Evidence))


class BuiltSentences(fields.List):
    """Sentences as classify_article builds them: already plain JSON values in the Sentence shape (a test
    checks that dumping them field by field changes nothing), so they are passed through as they are;
    marshmallow's field-by-field copy cost about 20 microseconds a sentence, 10 ms on a long article."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(Sentence), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Summary(Schema):
    label = fields.String(required=True, validate=validate.OneOf(LABELS))
    scores = fields.Nested(Scores, required=True)
    counts = fields.Nested(Counts, required=True)


class ClassifyResponse(Schema):
    model = fields.Nested(ModelInfo, required=True)
    labels = fields.List(fields.String(), required=True)
    language = fields.String(required=True, validate=LANGUAGE_OUT)
    summary = fields.Nested(Summary, required=True)
    sentences = BuiltSentences(required=True)


class ApiError(Schema):
    """Every error, everywhere: a machine code, the HTTP status, a message and field errors."""

    code = fields.String(required=True)
    status = fields.Integer(required=True)
    message = fields.String(required=True)
    errors = fields.Dict()


class BatchResult(Schema):
    id = fields.String(allow_none=True)
    language = fields.String(validate=LANGUAGE_OUT)
    summary = fields.Nested(Summary)
    sentences = BuiltSentences()
    error = fields.Nested(ApiError)


class BatchResponse(Schema):
    model = fields.Nested(ModelInfo, required=True)
    labels = fields.List(fields.String(), required=True)
    results = fields.List(fields.Nested(BatchResult), required=True)


class Health(Schema):
    status = fields.String(required=True)
    model_loaded = fields.Boolean(required=True)
    message = fields.String()


class ModelRecord(Schema):
    """The model record written by `make train` next to the artifact."""

    version = fields.String(required=True)
    sha256 = fields.String(required=True)
    labels = fields.List(fields.String(), required=True)
    data_hash = fields.String(required=True)
    abstain_threshold = fields.Float(required=True)
    metrics = fields.Dict(required=True)
    class_priors = fields.Dict(keys=fields.String(), values=fields.Float())
    hyper_parameters = fields.Dict()
    grid = fields.Dict()
    git_commit = fields.String()
    python = fields.String()
    libraries = fields.Dict(keys=fields.String(), values=fields.String())
    data_files = fields.List(fields.String())
    train_seconds = fields.Float()
    feedback = fields.Dict(metadata={"description": "Accepted corrections trained on: count and sha256."})


MAX_FEEDBACK_TEXT_CHARS = 2_000
MAX_FEEDBACK_NOTE_CHARS = 1_000


class FeedbackRequest(Schema):
    """A journalist's correction of one sentence's label; only the sentence is stored, never the article."""

    text = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_FEEDBACK_TEXT_CHARS), _not_blank],
                         metadata={"description": f"The sentence, at most {MAX_FEEDBACK_TEXT_CHARS} characters."})
    label = fields.String(required=True, validate=validate.OneOf(LABELS), metadata={"description": "The right label."})
    predicted = fields.String(allow_none=True, validate=validate.OneOf(LABELS),
                              metadata={"description": "The label the model gave."})
    model_version = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    language = fields.String(allow_none=True, validate=LANGUAGE_OUT)
    note = fields.String(allow_none=True, validate=validate.Length(max=MAX_FEEDBACK_NOTE_CHARS))


class FeedbackRecord(Schema):
    """A stored correction and its review state."""

    id = fields.Integer(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    text = fields.String(required=True)
    label = fields.String(required=True, validate=validate.OneOf(LABELS))
    predicted = fields.String(allow_none=True)
    model_version = fields.String(allow_none=True)
    language = fields.String(required=True, validate=LANGUAGE_OUT)
    note = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reviewed_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class FeedbackQuery(Schema):
    """A page of corrections, oldest first, optionally of one status."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    # SQLite integers are 64-bit: a larger cursor would overflow in the query, not just find nothing.
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**63 - 1),
                           metadata={"description": "Cursor: the `next_after` of the previous page."})


class FeedbackPage(Schema):
    items = fields.List(fields.Nested(FeedbackRecord), required=True)
    total = fields.Integer(required=True, metadata={"description": "Records matching the filter, all pages."})
    next_after = fields.Integer(required=True, allow_none=True,
                                metadata={"description": "Pass as `after` for the next page; null on the last."})


class ReloadResult(Schema):
    """What POST /admin/reload did in the worker that answered."""

    status = fields.String(required=True, validate=validate.OneOf(("reloaded", "unchanged")))
    version = fields.String(required=True)
    sha256 = fields.String(required=True)
    previous_version = fields.String(allow_none=True)
    pid = fields.Integer(required=True, metadata={"description": "The worker that reloaded; others keep theirs."})
