"""The dashboard's catalog: the images a user may use (an upload from the page, with a
progress bar, and deleting their own) and the instance types, through the same services
and rules as /api/v1."""

from flask import g, render_template, request

from service.catalog.fields import image_fields
from service.errors import Forbidden
from service.ui.door import blueprint, signed_in
from service.web import access, present
from service.web.access import DASHBOARD
from service.web.context import ctx


def images_part(message=None):
    rows = ctx().images.listing(g.user)
    jobs = {row["job_id"]: ctx().store.jobs.get(row["job_id"]) for row in rows
            if row["state"] == "importing" and row["job_id"]}
    return render_template("ui/part_images.html", user=g.user, message=message,
                           images=[present.image(r) for r in rows],
                           progress={job_id: job["progress"] for job_id, job in jobs.items()})


def types_part():
    rows = [r for r in ctx().store.catalog.types() if g.user.is_admin or not r["retired"]]
    return render_template("ui/part_types.html", user=g.user,
                           types=[present.itype(r) for r in rows])


@blueprint.post("/images")
@access.rule(DASHBOARD)
def upload_image():
    """The page's upload: the file as the body (streamed to disk), its fields in the query."""
    signed_in()
    fields = image_fields(request.args.to_dict())
    image = ctx().images.upload(g.user, fields, request.environ["wsgi.input"].read,
                                request.content_length)
    return images_part(f"image {image['id']} ({image['name']}) uploaded and active")


@blueprint.post("/images/<id:image_id>/delete")
@access.rule(DASHBOARD)
def delete_image(image_id):
    signed_in()
    image = ctx().images.visible(g.user, image_id)
    if image["public"] and not g.user.is_admin:
        raise Forbidden(f"image {image_id} is public: only an admin deletes it")
    gone = ctx().image_removal.delete(image_id)
    return images_part(f"image {image_id} deleted" if gone else
                       f"image {image_id}: a host that did not answer still has a copy; it "
                       "goes when the host is back")
