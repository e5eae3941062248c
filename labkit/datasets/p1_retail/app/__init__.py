"""The shop application as a deployable folder (``app/``): copied as is into a container
image (``python wsgi.py``); importable in the course as ``labkit.datasets.p1_retail.app.shop``."""
