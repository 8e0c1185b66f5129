# The greeting module is not in this package: it comes from the pyDeps layer (/opt/python).
from greeting import greet


def main(event, context):
    return {"message": greet(event.get("name", "world")), "runtime": "python"}
