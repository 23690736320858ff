"""Where credential scans live: ``STORAGES["credentials"]`` (a private bucket, or a folder nothing serves)."""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.utils.deconstruct import deconstructible


@deconstructible
class CredentialScanStorage(Storage):
    """Hands every call to ``STORAGES["credentials"]``, looked up when used rather than at import,
    so the deployment's settings (a private S3 bucket through django-storages, or a local folder
    outside MEDIA_ROOT) decide where scans go."""

    @property
    def backend(self) -> Storage:
        return storages["credentials"]

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def size(self, name):
        return self.backend.size(name)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def url(self, name):
        raise NotImplementedError("Credential scans have no URL; staff download them through the admin.")
