"""The answers /api/v1 gives for something made (201) or started (202, a job to poll)."""

from flask import jsonify

from service.web import present


def created(location=None, **body):
    """201 with BODY; LOCATION: where the new object is (when there is one)."""
    response = jsonify(**body)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response


def accepted(job, **extra):
    """202 with JOB (and EXTRA) to poll at its Location."""
    response = jsonify(job=present.job(job), **extra)
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/jobs/{job['id']}"
    return response
