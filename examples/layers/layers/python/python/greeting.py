def greet(name):
    return "Hello, %s, from the pyDeps layer" % name
