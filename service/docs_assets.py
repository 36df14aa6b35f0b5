"""Static assets: the offline Swagger UI files behind /docs."""
from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

docs_assets = Blueprint("docs_assets", __name__)


@docs_assets.route("/docs/assets/<path:filename>")
def docs_asset(filename):
    """Swagger UI's JavaScript and CSS, served locally so the docs page needs no internet."""
    return send_from_directory(swagger_ui_path, filename)
