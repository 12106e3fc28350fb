"""Stands in for utils/config.py of the position tutorial's repository, which
reads config.ini: here the address, PosServer for the server and PosClient
for the client, is the program's first argument, and each log line is its
message alone, on stdout."""
import logging
import sys


class configInit():
  def __init__(self):
    self.DEBUG = False
    self.PosServer = sys.argv[1]
    self.PosClient = sys.argv[1]

  def setLogger(self, name):
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    if not logger.handlers:
      handler = logging.StreamHandler(sys.stdout)
      handler.setFormatter(logging.Formatter('%(message)s'))
      logger.addHandler(handler)
    return logger
