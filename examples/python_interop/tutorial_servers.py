"""The tutorials' servers, written again in their style, for the examples'
clients to call: python3 tutorial_servers.py EXAMPLE. Listens on a free port
of localhost and prints "listening on localhost:PORT"."""

from concurrent import futures
import json
import math
import os
import sys
import time

import grpc

from tutorial_stubs import EXAMPLES, add_servicer, messages


def greeter():
    pb2 = messages("greeter", "helloworld.proto")

    class Greeter:
        def SayHello(self, request, context):
            return pb2.HelloReply(message="hello {msg}".format(msg=request.name))

        def SayHelloAgain(self, request, context):
            return pb2.HelloReply(message="hello {msg}".format(msg=request.name))

    return pb2, "Greeter", Greeter()


def calculator():
    pb2 = messages("calculator", "SimpleCal.proto")

    class CalServicer:
        def Add(self, request, context):
            return pb2.ResultReply(number=request.number1 + request.number2)

        def Multiply(self, request, context):
            return pb2.ResultReply(number=request.number1 * request.number2)

    return pb2, "Cal", CalServicer()


def routeguide():
    pb2 = messages("routeguide", "route_guide.proto")
    with open(os.path.join(EXAMPLES, "routeguide", "route_guide_db.json")) as f:
        db = [
            pb2.Feature(name=item["name"], location=pb2.Point(**item["location"]))
            for item in json.load(f)
        ]

    def get_feature(point):
        for feature in db:
            if feature.location == point:
                return feature
        return None

    def get_distance(start, end):
        coord_factor = 10000000.0
        lat_1 = start.latitude / coord_factor
        lat_2 = end.latitude / coord_factor
        lon_1 = start.longitude / coord_factor
        lon_2 = end.longitude / coord_factor
        delta_lat_rad = math.radians(lat_2 - lat_1)
        delta_lon_rad = math.radians(lon_2 - lon_1)
        a = (pow(math.sin(delta_lat_rad / 2), 2) +
             math.cos(math.radians(lat_1)) * math.cos(math.radians(lat_2)) *
             pow(math.sin(delta_lon_rad / 2), 2))
        return 6371000 * 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a))

    class RouteGuideServicer:
        def GetFeature(self, request, context):
            return get_feature(request) or pb2.Feature(name="", location=request)

        def ListFeatures(self, request, context):
            left = min(request.lo.longitude, request.hi.longitude)
            right = max(request.lo.longitude, request.hi.longitude)
            top = max(request.lo.latitude, request.hi.latitude)
            bottom = min(request.lo.latitude, request.hi.latitude)
            for feature in db:
                if (left <= feature.location.longitude <= right and
                        bottom <= feature.location.latitude <= top):
                    yield feature

        def RecordRoute(self, request_iterator, context):
            point_count = feature_count = 0
            distance = 0.0
            prev_point = None
            start_time = time.time()
            for point in request_iterator:
                point_count += 1
                if get_feature(point):
                    feature_count += 1
                if prev_point:
                    distance += get_distance(prev_point, point)
                prev_point = point
            return pb2.RouteSummary(point_count=point_count, feature_count=feature_count,
                                    distance=int(distance),
                                    elapsed_time=int(time.time() - start_time))

        def RouteChat(self, request_iterator, context):
            prev_notes = []
            for new_note in request_iterator:
                for prev_note in prev_notes:
                    if prev_note.location == new_note.location:
                        yield prev_note
                prev_notes.append(new_note)

    return pb2, "RouteGuide", RouteGuideServicer()


if __name__ == "__main__":
    pb2, service, servicer = globals()[sys.argv[1]]()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    add_servicer(pb2, service, servicer, server)
    port = server.add_insecure_port("localhost:0")
    server.start()
    print(f"listening on localhost:{port}", flush=True)
    server.wait_for_termination()
