"""/api/v1/images: bringing images at runtime (an upload, or an import from a URL) and
deleting them."""

from flask import g, jsonify, request

from service.api.v1.answers import accepted, created
from service.api.v1 import paging
from service.api.v1.door import blueprint
from service.api.v1.validate import body
from service.catalog.fields import image_fields
from service.errors import Forbidden
from service.web import access, present
from service.web.access import MEMBER
from service.web.context import ctx


@blueprint.get("/images")
@access.rule(MEMBER)
def list_images():
    return paging.answer("images", ctx().images.listing(g.user),
                         lambda chunk: [present.image(r) for r in chunk])


@blueprint.post("/images")
@access.rule(MEMBER)
def create_image():
    """An upload (octet-stream body, fields in the query): 201 once active. An import (JSON
    with a url): 202 with the job that fetches it."""
    if request.mimetype == "application/octet-stream":
        fields = image_fields(request.args.to_dict())
        stream = request.environ["wsgi.input"]
        image = ctx().images.upload(g.user, fields, stream.read, request.content_length)
        return created(f"/api/v1/images/{image['id']}", image=present.image(image))
    fields = image_fields(body("ImageImport"), url_required=True)
    image, job = ctx().images.import_url(g.user, fields)
    response = accepted(job, image=present.image(image))
    response.headers["Location"] = f"/api/v1/images/{image['id']}"
    return response


@blueprint.get("/images/<id:image_id>")
@access.rule(MEMBER)
def show_image(image_id):
    return jsonify(image=present.image(ctx().images.visible(g.user, image_id)))


@blueprint.delete("/images/<id:image_id>")
@access.rule(MEMBER)
def delete_image(image_id):
    """204 once gone; 202 while a host that did not answer keeps a copy (the sync ends it)."""
    image = ctx().images.visible(g.user, image_id)
    if image["public"] and not g.user.is_admin:
        raise Forbidden(f"image {image_id} is public: only an admin deletes it")
    if ctx().image_removal.delete(image_id):
        return "", 204
    response = jsonify(image=present.image(ctx().store.catalog.image(image_id)))
    response.status_code = 202
    return response

